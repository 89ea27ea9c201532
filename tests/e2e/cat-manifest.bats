#!/usr/bin/env bats
# actool cat-manifest

load helpers

@test "cat-manifest prints the stored manifest and a newline" {
	minimal_layout layout
	ours build layout x.aci
	expect_success
	"$ACTOOL" cat-manifest x.aci >got.txt
	{ tar -xzOf x.aci manifest; echo; } >want.txt
	cmp want.txt got.txt
	jq -e '.name == "example.com/minimal" and .app.exec == ["/bin/true"]' got.txt
}

@test "cat-manifest prints what the archive holds, even in another layout" {
	cd "$APPC/aci"
	"$ACTOOL" cat-manifest dot-slash-names.aci >"$BATS_TEST_TMPDIR/got.txt"
	tar -xOf dot-slash-names.aci ./manifest >"$BATS_TEST_TMPDIR/want.txt" 2>/dev/null ||
		tar -xzOf dot-slash-names.aci ./manifest >"$BATS_TEST_TMPDIR/want.txt"
	echo >>"$BATS_TEST_TMPDIR/want.txt"
	cmp "$BATS_TEST_TMPDIR/want.txt" "$BATS_TEST_TMPDIR/got.txt"
}

@test "--pretty-print indents by four spaces and keeps the content" {
	busybox_layout layout
	ours build layout x.aci
	expect_success
	ours cat-manifest --pretty-print x.aci
	expect_success
	[ "${lines[0]}" = "{" ]
	[ "${lines[1]}" = '    "acKind": "ImageManifest",' ]
	[ "${lines[-1]}" = "}" ]
	[ "$(jq -cS . <<<"$output")" = "$(jq -cS . layout/manifest)" ]
}

@test "cat-manifest of each compression prints the same" {
	local c
	minimal_layout layout
	for c in none gzip bzip2 xz; do
		ours build --compression=$c layout $c.aci
		expect_success
		"$ACTOOL" cat-manifest $c.aci >$c.txt
	done
	cmp none.txt gzip.txt
	cmp none.txt bzip2.txt
	cmp none.txt xz.txt
}

@test "cat-manifest of an invalid ACI reports it and prints nothing" {
	cd "$APPC/aci"
	ours cat-manifest path-traversal.aci
	expect_error "'path-traversal.aci'"
	ours cat-manifest no-manifest.aci
	expect_error "'no-manifest.aci'"
}

@test "cat-manifest of a missing file reports it" {
	ours cat-manifest none.aci
	expect_error "'none.aci'" "No such file or directory"
}

@test "cat-manifest needs exactly one file" {
	ours cat-manifest
	expect_usage_error "cat-manifest"
	ours cat-manifest "$APPC/aci/minimal.aci" "$APPC/aci/minimal-xz.aci"
	expect_usage_error "cat-manifest"
}

@test "cat-manifest with an unknown flag is a usage error" {
	ours cat-manifest --color "$APPC/aci/minimal.aci"
	expect_usage_error "unknown option '--color'"
}
