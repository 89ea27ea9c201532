#!/usr/bin/env bats
# Interoperability with the reference actool (appc-spec 0.8.11, /usr/bin/actool): what ours
# builds, it accepts and prints identically; what it builds, ours accepts with the right ID.

load helpers

# Runs the reference actool like `ours`.
ref() {
	run --separate-stderr "$REF_ACTOOL" "$@"
}

# Builds LAYOUT with ours into OUT (extra flags first) and checks the reference tool accepts
# it and prints its manifest exactly as ours does, compact and pretty.
check_ours_with_ref() {
	local out=${*: -1} flags=("${@:1:$#-2}") layout=${*: -2:1}
	ours build "${flags[@]}" "$layout" "$out"
	expect_success
	ref validate "$out"
	[ "$status" -eq 0 ] || fail "reference validate: $status $stderr"
	[ -z "$stderr" ] || fail "reference validate: $stderr"
	local opt
	for opt in "" --pretty-print; do
		ref cat-manifest $opt "$out"
		[ "$status" -eq 0 ] || fail "reference cat-manifest $opt: $stderr"
		local theirs=$output
		ours cat-manifest $opt "$out"
		expect_success
		[ "$output" = "$theirs" ] || fail "cat-manifest $opt differs:" "ours:   $output" \
			"theirs: $theirs"
	done
	# Byte for byte, trailing newline included.
	"$REF_ACTOOL" cat-manifest --pretty-print "$out" >theirs.txt
	"$ACTOOL" cat-manifest --pretty-print "$out" >ours.txt
	cmp theirs.txt ours.txt
}

# Builds LAYOUT with the reference tool (extra flags first) into OUT and checks ours accepts it
# with the sha512 of the decompressed tar as ID, and prints the same manifest.
check_ref_with_ours() {
	local out=${*: -1} flags=("${@:1:$#-2}") layout=${*: -2:1}
	ref build "${flags[@]}" "$layout" "$out"
	[ "$status" -eq 0 ] || fail "reference build: $stderr"
	local want
	if [[ " ${flags[*]} " == *" --no-compression "* ]]; then
		[ "$(our_compression "$out")" = none ]
		want=$(sha512_id <"$out")
	else
		[ "$(our_compression "$out")" = gzip ]
		want=$(zcat "$out" | sha512_id)
	fi
	[ "$(our_id "$out")" = "$want" ]
	local opt
	for opt in "" --pretty-print; do
		"$REF_ACTOOL" cat-manifest $opt "$out" >theirs.txt
		"$ACTOOL" cat-manifest $opt "$out" >ours.txt
		cmp theirs.txt ours.txt
	done
}

@test "the reference actool is there" {
	run "$REF_ACTOOL" version
	[ "$status" -eq 0 ]
	[ "$output" = "actool version 0.8.11" ]
}

@test "a busybox ACI built by ours passes the reference validate and cat-manifest" {
	busybox_layout layout
	check_ours_with_ref layout busybox.aci
}

@test "a busybox ACI built by ours with --owner-root and --mtime passes the reference" {
	busybox_layout layout
	check_ours_with_ref --owner-root --mtime=1 layout busybox.aci
}

@test "an ACI with links, a FIFO, setuid, an xattr and an empty dir passes the reference" {
	rich_layout layout
	check_ours_with_ref layout rich.aci
}

@test "uncompressed, bzip2 and xz ACIs built by ours pass the reference" {
	rich_layout layout
	check_ours_with_ref --compression=none layout none.aci
	check_ours_with_ref --compression=bzip2 layout bzip2.aci
	check_ours_with_ref --compression=xz layout xz.aci
}

@test "a manifest with every field prints the same through both tools" {
	mkdir -p layout/rootfs
	cp "$APPC/manifests/valid/image-full.json" layout/manifest
	check_ours_with_ref layout full.aci
}

@test "a busybox ACI built by the reference validates with ours, ID = sha512 of its tar" {
	busybox_layout layout
	check_ref_with_ours layout busybox.aci
}

@test "an uncompressed busybox ACI built by the reference validates with ours" {
	busybox_layout layout
	check_ref_with_ours --no-compression layout busybox.aci
}

@test "a rich ACI built by the reference validates with ours" {
	rich_layout layout
	check_ref_with_ours layout rich.aci
	check_ref_with_ours --no-compression --owner-root layout rich-plain.aci
}

@test "the test vectors print the same manifest through both tools" {
	local f
	cd "$APPC/aci"
	for f in minimal.aci minimal-xz.aci manifest-last.aci dot-slash-names.aci rich-entries.aci; do
		"$REF_ACTOOL" cat-manifest "$f" >"$BATS_TEST_TMPDIR/theirs.txt"
		"$ACTOOL" cat-manifest "$f" >"$BATS_TEST_TMPDIR/ours.txt"
		cmp "$BATS_TEST_TMPDIR/theirs.txt" "$BATS_TEST_TMPDIR/ours.txt"
	done
}
