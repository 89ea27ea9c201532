#!/usr/bin/env bats
# actool build: output, compression, reproducibility and failures.

load helpers

# Fails unless every line `tar -tvzf ARCHIVE [OPTION]` lists contains PATTERN.
every_entry_has() {
	local archive=$1 pattern=$2 option=${3:-} line
	run tar $option -tvzf "$archive"
	[ "$status" -eq 0 ] && [ "${#lines[@]}" -gt 3 ] || fail "cannot list $archive: $output"
	for line in "${lines[@]}"; do
		[[ "$line" == *"$pattern"* ]] || fail "entry without '$pattern': $line"
	done
}

# Fails unless DIR holds exactly the names given (no temporary files left behind).
dir_holds() {
	local dir=$1 got want
	shift
	got=$(ls -A "$dir" | sort | tr '\n' ' ')
	want=
	[ $# -eq 0 ] || want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ "$got" = "$want" ] || fail "'$dir' holds: $got" "expected: $want"
}

@test "build writes a gzip ACI quietly, and validate accepts it" {
	minimal_layout layout
	mkdir out
	ours build layout out/minimal.aci
	expect_success
	[ -z "$output" ]
	dir_holds out minimal.aci
	[ "$(od -An -tx1 -N2 out/minimal.aci | tr -d ' ')" = 1f8b ]
	[ "$(our_compression out/minimal.aci)" = gzip ]
}

@test "the ACI holds the manifest first, then rootfs, in lexical order" {
	minimal_layout layout
	mkdir -p layout/rootfs/b layout/rootfs/a
	touch layout/rootfs/b/2 layout/rootfs/b/1 layout/rootfs/a/z
	ours build layout x.aci
	expect_success
	run bash -c 'tar -tzf x.aci | sed "s,/$,,"'
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' manifest rootfs rootfs/a rootfs/a/z rootfs/b rootfs/b/1 \
		rootfs/b/2 rootfs/etc rootfs/etc/hostname)" ]
}

@test "the image ID is the sha512 of the uncompressed tar" {
	busybox_layout layout
	ours build layout busybox.aci
	expect_success
	[ "$(our_id busybox.aci)" = "$(zcat busybox.aci | sha512_id)" ]
}

@test "--compression=none, gzip, bzip2 and xz are each detected back, with one image ID" {
	local c id first=
	minimal_layout layout
	for c in none gzip bzip2 xz; do
		ours build --mtime=1000000000 "--compression=$c" layout "$c.aci"
		expect_success
		[ "$(our_compression "$c.aci")" = "$c" ]
		id=$(our_id "$c.aci")
		[ -z "$first" ] || [ "$id" = "$first" ]
		first=$id
	done
	[ "$(sha512_id <none.aci)" = "$first" ]
	[ "$(bzcat bzip2.aci | sha512_id)" = "$first" ]
	[ "$(xzcat xz.aci | sha512_id)" = "$first" ]
}

@test "--no-compression writes a plain tar" {
	minimal_layout layout
	ours build --no-compression layout plain.aci
	expect_success
	[ "$(our_compression plain.aci)" = none ]
	tar -tf plain.aci >/dev/null
}

@test "two builds of one tree are byte-for-byte identical" {
	rich_layout layout
	ours build layout one.aci
	expect_success
	ours build layout two.aci
	expect_success
	cmp one.aci two.aci
	[ "$(our_id one.aci)" = "$(our_id two.aci)" ]
}

@test "without a fixed time, a touched file changes the image ID" {
	minimal_layout layout
	touch -d @1000000000 layout/rootfs/etc/hostname
	SOURCE_DATE_EPOCH= ours build layout one.aci
	expect_success
	touch -d @1100000000 layout/rootfs/etc/hostname
	SOURCE_DATE_EPOCH= ours build layout two.aci
	expect_success
	[ "$(our_id one.aci)" != "$(our_id two.aci)" ]
}

@test "SOURCE_DATE_EPOCH sets every mtime, so touching files changes nothing" {
	busybox_layout layout
	touch -d @1000000000 layout/rootfs/etc/passwd
	SOURCE_DATE_EPOCH=1234567890 ours build layout one.aci
	expect_success
	touch -d @1100000000 layout/rootfs/etc/passwd layout/rootfs/bin/busybox
	SOURCE_DATE_EPOCH=1234567890 ours build layout two.aci
	expect_success
	cmp one.aci two.aci
	every_entry_has one.aci " 2009-02-13 23:31:30 " --full-time
}

@test "--mtime sets every mtime and wins over SOURCE_DATE_EPOCH" {
	minimal_layout layout
	SOURCE_DATE_EPOCH=1234567890 ours build --mtime=1000000000 layout x.aci
	expect_success
	every_entry_has x.aci " 2001-09-09 01:46:40 " --full-time
}

@test "a SOURCE_DATE_EPOCH that is not a number is refused" {
	minimal_layout layout
	SOURCE_DATE_EPOCH=yesterday ours build layout x.aci
	expect_usage_error "SOURCE_DATE_EPOCH" "'yesterday'"
	dir_holds . layout
}

@test "--mtime that is not a number is a usage error" {
	minimal_layout layout
	ours build --mtime=-5 layout x.aci
	expect_usage_error "--mtime" "'-5'"
}

@test "--owner-root records every entry as 0:0" {
	minimal_layout layout
	if [ "$(id -u)" -eq 0 ]; then
		chown -R 1234:2345 layout/rootfs
	fi
	ours build layout owned.aci
	expect_success
	run tar --numeric-owner -tvzf owned.aci rootfs/etc/hostname
	[[ "$output" != *" 0/0 "* ]]
	ours build --owner-root layout root.aci
	expect_success
	every_entry_has root.aci " 0/0 " --numeric-owner
}

@test "every kind of entry survives build and extraction" {
	rich_layout layout
	ours build layout rich.aci
	expect_success
	mkdir x
	tar --xattrs --xattrs-include='*' -xpzf rich.aci -C x
	[ "$(readlink x/rootfs/lib/relative-link)" = ../etc/hostname ]
	[ "$(readlink x/rootfs/lib/absolute-link)" = /etc/hostname ]
	[ "$(stat -c %i x/rootfs/etc/hard1)" = "$(stat -c %i x/rootfs/etc/hard2)" ]
	[ -p x/rootfs/run/fifo ]
	[ "$(stat -c %a x/rootfs/bin/tool)" = 4755 ]
	[ "$(getfattr --only-values -n user.appc x/rootfs/etc/attr)" = vector ]
	[ -d x/rootfs/empty ]
	[ -z "$(ls -A x/rootfs/empty)" ]
	[ "$(cat 'x/rootfs/etc/a file')" = spaced ]
}

@test "a missing layout directory is reported, nothing is written" {
	ours build nowhere x.aci
	expect_error "nowhere"
	dir_holds .
}

@test "a layout without a manifest is reported, nothing is written" {
	minimal_layout layout
	rm layout/manifest
	ours build layout x.aci
	expect_error "manifest"
	dir_holds . layout
}

@test "a layout without rootfs is reported, nothing is written" {
	minimal_layout layout
	rm -r layout/rootfs
	ours build layout x.aci
	expect_error "rootfs"
	dir_holds . layout
}

@test "an invalid manifest is reported with its field, nothing is written" {
	minimal_layout layout
	sed -i 's/"user":"0",//' layout/manifest
	ours build layout x.aci
	expect_error "user"
	dir_holds . layout
}

@test "a manifest that is not JSON is reported, nothing is written" {
	minimal_layout layout
	echo 'not json' >layout/manifest
	ours build layout x.aci
	expect_error "manifest"
	dir_holds . layout
}

@test "an existing output is kept without --overwrite" {
	minimal_layout layout
	echo precious >x.aci
	ours build layout x.aci
	expect_error "'x.aci'" "--overwrite"
	[ "$(cat x.aci)" = precious ]
	dir_holds . layout x.aci
}

@test "--overwrite replaces an existing output" {
	minimal_layout layout
	echo precious >x.aci
	ours build --overwrite layout x.aci
	expect_success
	dir_holds . layout x.aci
	our_id x.aci >/dev/null
}

@test "the output name must end in .aci, as with the reference tool" {
	minimal_layout layout
	ours build layout x.tar
	expect_error "'x.tar'" ".aci"
	dir_holds . layout
}

@test "an output in a missing directory is reported" {
	minimal_layout layout
	ours build layout missing/x.aci
	expect_error "missing/x.aci"
	dir_holds . layout
}

@test "an unknown compression is a usage error" {
	minimal_layout layout
	ours build --compression=zip layout x.aci
	expect_usage_error "'zip'"
	dir_holds . layout
}

@test "build with one argument is a usage error" {
	minimal_layout layout
	ours build layout
	expect_usage_error "build"
}

@test "build with an unknown flag is a usage error" {
	minimal_layout layout
	ours build --fast layout x.aci
	expect_usage_error "unknown option '--fast'"
}
