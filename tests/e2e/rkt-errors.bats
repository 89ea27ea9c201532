#!/usr/bin/env bats
# Error lines: one line, the input named once (by the callee that reads it), and strerror()
# only for a failed system call (lib/util/error.h, rkt_error_format). Exact lines.

load rkt-helpers

@test "fetch of a missing file says why" {
	rkt fetch /nonexistent.aci
	expect_error
	[ "$stderr" = "rkt: fetch: image '/nonexistent.aci': No such file or directory" ]
}

@test "run of a missing file names it once" {
	rkt run --insecure-options=image "$BATS_TEST_TMPDIR/missing.aci"
	expect_error
	[ "$stderr" = "rkt: run: image '$BATS_TEST_TMPDIR/missing.aci': No such file or directory" ]
}

@test "prepare of a file that is no ACI names it once" {
	echo 'not an archive' >junk.aci
	rkt prepare --insecure-options=image junk.aci
	expect_error
	[ "$stderr" = "rkt: prepare: image 'junk.aci': unknown image filetype (not a tar, gzip, bzip2, xz or zstd archive)" ]
}

@test "fetch of a directory says it once" {
	rkt fetch --insecure-options=image "$BATS_TEST_TMPDIR"
	expect_error
	[ "$stderr" = "rkt: fetch: image '$BATS_TEST_TMPDIR': Is a directory" ]
}

@test "trust of a missing key file says why" {
	rkt trust --root "$BATS_TEST_TMPDIR/missing.asc"
	expect_error
	[ "$stderr" = "rkt: trust: open key '$BATS_TEST_TMPDIR/missing.asc': No such file or directory" ]
}

@test "a pod that is not there gets no strerror" {
	rkt status 0123
	expect_error
	[ "$stderr" = "rkt: status: no pod matches '0123'" ]
}

@test "a missing dependency names the image once and the dependency path" {
	$MKACI app.aci --name example.com/app --dep example.com/base --file /x=1
	# --pull-policy=never: the dependency is not discovered on the network
	rkt fetch --insecure-options=image --pull-policy=never app.aci
	expect_error
	[ "$stderr" = "rkt: fetch: image 'app.aci': dependency 'example.com/base': no image named 'example.com/base' with matching labels in the store" ]
}

@test "a pod manifest over the size limit says so, without 'File too large'" {
	head -c 2000000 /dev/zero | tr '\0' ' ' >big.json
	rkt run --insecure-options=image --pod-manifest=big.json
	expect_error
	[ "$stderr" = "rkt: run: --pod-manifest: 'big.json' is larger than 1 MiB" ]
}

@test "trust of a plain http key URL names it once, with the hint" {
	rkt trust --root --skip-fingerprint-review http://127.0.0.1:1/key.asc
	expect_error
	[ "$stderr" = "rkt: trust: GET 'http://127.0.0.1:1/key.asc': plain http is not allowed (use --insecure-allow-http)" ]
}
