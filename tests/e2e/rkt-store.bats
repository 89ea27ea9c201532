#!/usr/bin/env bats
# rkt fetch (local files) and rkt image list/rm/gc/cat-manifest/export/extract/render/verify.

load rkt-helpers

@test "fetch from a file prints the short image ID; --full the whole ID" {
	local id
	id=$(awk '$1 == "minimal.aci" { print $2 }' "$APPC/aci/IDS.tsv")
	rkt_ok --insecure-options=image fetch "$APPC/aci/minimal.aci"
	[ "$output" = "${id:0:39}" ]
	rkt_ok --insecure-options=image fetch --full "file://$APPC/aci/minimal-gzip.aci"
	[ "$output" = "$id" ]
	rkt_ok image list --no-legend --full --fields=id,name
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "$id"*"example.com/vector:1.0.0" ]]
}

@test "fetch refuses an unsigned image without --insecure-options=image" {
	cp "$APPC/aci/minimal.aci" m.aci
	rkt --local-config=local --system-config=sys fetch m.aci
	expect_error "m.aci.asc" "example.com/vector" "--insecure-options=image"
	expect_empty_store
	echo "not a signature" >m.aci.asc
	rkt --local-config=local --system-config=sys fetch m.aci
	expect_error "example.com/vector"
	expect_empty_store
}

@test "global flags work after the command too" {
	run --separate-stderr "$RKT" fetch --insecure-options=image --dir="$STORE" "$APPC/aci/minimal.aci"
	[ "$status" -eq 0 ]
	rkt_ok image list --no-legend
	[ "${#lines[@]}" -eq 1 ]
}

@test "fetch of a file reads it under every pull policy; an unchanged file is not imported again" {
	$MKACI a.aci --name example.com/a --file /a=1
	# upstream imports a local file whatever the pull policy, never included
	fetch_ok --pull-policy=never a.aci
	local id=$output
	rkt_ok image list --format=json
	local before=$output
	local policy
	for policy in new update never; do
		fetch_ok --pull-policy="$policy" a.aci
		[ "$output" = "$id" ]
	done
	rkt_ok image list --format=json
	local after=$output
	# The same import time: nothing was imported again.
	[ "$(jq '.[0].import_time' <<<"$before")" = "$(jq '.[0].import_time' <<<"$after")" ]
	# A rebuilt file is imported again, also under never.
	$MKACI a.aci --name example.com/a --file /a=2
	fetch_ok --pull-policy=never a.aci
	[ "$output" != "$id" ]
}

@test "fetch by ID, by unique prefix, and an ambiguous or unknown prefix" {
	local i ids=()
	# Enough images that two share a first hex digit.
	for i in $(seq 1 20); do
		$MKACI "i$i.aci" --name "example.com/i$i" --file "/f=$i"
		fetch_ok "i$i.aci"
		ids+=("$output")
	done
	rkt_ok fetch --full "${ids[0]}"
	[ "$output" = "${ids[0]}" ]
	rkt_ok fetch --full "${ids[0]:0:20}"
	[ "$output" = "${ids[0]}" ]
	local first
	first=$(printf '%s\n' "${ids[@]}" | cut -c8 | sort | uniq -d | head -1)
	rkt fetch "sha512-$first"
	expect_error "sha512-$first" "ambiguous"
	rkt fetch sha512-0000000000000000000000000000000000000000000000000000000000000000000000
	expect_error "sha512-00000" "no image"
}

@test "image list shows upstream's columns, and --fields, --sort, --order, --no-legend" {
	$MKACI b.aci --name example.com/bbb --label version=2.0 --big /data=20000
	$MKACI a.aci --name example.com/aaa --file /x=1
	fetch_ok b.aci
	fetch_ok a.aci
	rkt_ok image list
	[[ "${lines[0]}" == ID*NAME*SIZE*"IMPORT TIME"*"LAST USED" ]]
	[[ "${lines[1]}" == sha512-*"example.com/bbb:2.0"*KiB*ago* || "${lines[1]}" == sha512-*"example.com/bbb:2.0"*KiB*now* ]]
	rkt_ok image list --no-legend --fields=name --sort=name
	[ "$output" = $'example.com/aaa\nexample.com/bbb:2.0' ]
	rkt_ok image list --no-legend --fields=name --sort=name --order=desc
	[ "$output" = $'example.com/bbb:2.0\nexample.com/aaa' ]
	rkt_ok image list --format=json-pretty
	[ "$(jq length <<<"$output")" -eq 2 ]
	rkt image list --fields=bogus
	expect_error "bogus"
}

@test "image list --format=json has upstream's field names; SIZE counts blob and tree" {
	$MKACI a.aci --name example.com/a --big /data=200000
	fetch_ok a.aci
	local id=$output blob
	rkt_ok image list --format=json
	[ "$(jq -c '.[0] | keys_unsorted' <<<"$output")" = '["id","name","import_time","last_used_time","size"]' ]
	[ "$(jq -r '.[0].id' <<<"$output")" = "$id" ]
	blob=$(stat -c %s "$STORE/cas/blob/sha512/${id:7:2}/$id")
	# The tree holds the 200000-byte file uncompressed: at least that on top of the blob.
	local size
	size=$(jq '.[0].size' <<<"$output")
	[ "$size" -ge $((blob + 200000)) ]
	rkt_ok image list --full --no-legend --fields=size
	[ "$output" = "$size" ]
}

@test "image rm removes the image, its blob and its tree; a missing image fails" {
	$MKACI a.aci --name example.com/a --file /a=1
	fetch_ok a.aci
	local id=$output
	rkt_ok image rm "${id:0:30}"
	[[ "$output" == *"successfully removed aci for image: \"$id\""* ]]
	[[ "$output" == *"1 image(s) successfully removed"* ]]
	expect_empty_store
	rkt image rm "$id"
	expect_error "no image"
}

@test "image rm by name" {
	$MKACI a.aci --name example.com/a --label version=1 --file /a=1
	fetch_ok a.aci
	rkt_ok image rm example.com/a:1
	expect_empty_store
}

@test "image gc removes images unused for the grace period" {
	$MKACI a.aci --name example.com/a --file /a=1
	fetch_ok a.aci
	rkt_ok image gc
	rkt_ok image list --no-legend
	[ "${#lines[@]}" -eq 1 ]
	rkt_ok image gc --grace-period=0s
	[[ "$output" == *"1 image(s) removed"* ]]
	expect_empty_store
	rkt image gc --grace-period=soon
	expect_error "soon"
}

@test "image cat-manifest prints the manifest indented by default, as upstream; --pretty-print=false on one line" {
	fetch_ok "$APPC/aci/minimal.aci"
	local id=$output
	rkt_ok image cat-manifest "$id"
	[ "${lines[0]}" = "{" ] || fail "not indented: $output"
	[ "${lines[1]}" = '  "acKind": "ImageManifest",' ]
	local pretty=$output
	rkt_ok image cat-manifest --pretty-print "$id"
	[ "$output" = "$pretty" ]
	rkt_ok image cat-manifest --pretty-print=true "$id"
	[ "$output" = "$pretty" ]
	rkt_ok image cat-manifest --pretty-print=false "$id"
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/vector"'* ]]
	[ "$(jq -S . <<<"$output")" = "$(jq -S . <<<"$pretty")" ]
	rkt image cat-manifest sha512-ffff
	expect_error "sha512-ffff"
}

@test "image export writes an ACI with the same ID; --overwrite replaces" {
	fetch_ok "$APPC/aci/minimal-xz.aci"
	local id=$output
	rkt_ok image export "$id" out.aci
	STORE=$BATS_TEST_TMPDIR/store2 fetch_ok out.aci
	[ "$output" = "$id" ]
	rkt image export "$id" out.aci
	expect_error "out.aci" "exists"
	rkt_ok image export --overwrite "$id" out.aci
}

@test "image extract keeps modes, owners, links, xattrs; --rootfs-only; --overwrite" {
	fetch_ok "$APPC/aci/rich-entries.aci"
	local id=$output
	rkt_ok image extract "$id" out
	[ -f out/manifest ]
	[ "$(stat -c %a out/rootfs/bin/hello)" = 4755 ]
	[ "$(stat -c %i out/rootfs/bin/hello)" = "$(stat -c %i out/rootfs/bin/hello2)" ]
	[ "$(readlink out/rootfs/bin/hi)" = hello ]
	[ -p out/rootfs/tmp/fifo ]
	[ "$(getfattr --only-values -n user.appc out/rootfs/etc/attr)" = vector ]
	rkt image extract "$id" out
	expect_error "out" "exists"
	rkt_ok image extract --rootfs-only --overwrite "$id" out
	[ -f out/bin/hello ]
	[ ! -e out/manifest ]
}

@test "image render applies dependencies in the spec's order (diamond, REN-3)" {
	# A -> [B, C], B -> [D], C -> [D]: layers D, B, D, C, A.
	$MKACI d.aci --name example.com/d --file /d=D --file /bd=D --file /all=D
	$MKACI b.aci --name example.com/b --dep example.com/d --file /b=B --file /bd=B --file /all=B
	$MKACI c.aci --name example.com/c --dep example.com/d --file /c=C --file /all=C
	$MKACI a.aci --name example.com/a --dep example.com/b --dep example.com/c --file /a=A
	local f
	for f in d b c a; do fetch_ok $f.aci; done
	local id=$output
	rkt_ok image render "$id" out
	[ "$(cat out/rootfs/a out/rootfs/b out/rootfs/c out/rootfs/d)" = ABCD ]
	# /bd: D, then B, then D again (through C): D wins.
	[ "$(cat out/rootfs/bd)" = D ]
	# /all: C is applied after both Ds and B.
	[ "$(cat out/rootfs/all)" = C ]
	# extract is the image alone.
	rkt_ok image extract --rootfs-only "$id" alone
	[ "$(ls alone)" = a ]
}

@test "image render: a later layer replaces a symlink instead of writing through it (REN-4)" {
	echo host > "$BATS_TEST_TMPDIR/hostfile"
	$MKACI b.aci --name example.com/b --symlink "/etc/f=$BATS_TEST_TMPDIR/hostfile"
	$MKACI a.aci --name example.com/a --dep example.com/b --file /etc/f=image
	fetch_ok b.aci
	fetch_ok a.aci
	rkt_ok image render --rootfs-only "$output" out
	[ ! -L out/etc/f ]
	[ "$(cat out/etc/f)" = image ]
	[ "$(cat "$BATS_TEST_TMPDIR/hostfile")" = host ]
}

@test "image render applies the top image's pathWhitelist (REN-6)" {
	$MKACI b.aci --name example.com/b --file /keep=b --file /drop=b --file /etc/x=b
	$MKACI a.aci --name example.com/a --dep example.com/b --whitelist /keep --whitelist /mine \
		--file /mine=a --file /notlisted=a
	fetch_ok b.aci
	fetch_ok a.aci
	rkt_ok image render --rootfs-only "$output" out
	[ "$(cd out && find . -mindepth 1 | sort | tr '\n' ' ')" = "./keep ./mine " ]
}

@test "image render: a missing dependency or a cycle is an error" {
	# --pull-policy=never: a missing dependency would be discovered on the network
	$MKACI a.aci --name example.com/a --dep example.com/missing --file /a=A
	rkt --insecure-options=image fetch --pull-policy=never a.aci
	expect_error "example.com/missing"
	$MKACI x.aci --name example.com/x --dep example.com/y --file /x=x
	$MKACI y.aci --name example.com/y --dep example.com/x --file /y=y
	rkt --insecure-options=image fetch --pull-policy=never x.aci
	expect_error "example.com/y"
	rkt --insecure-options=image fetch y.aci
	expect_error "cycle"
}

@test "a dependency whose size is not the one its dependent gives is refused (MAN-9)" {
	$MKACI base.aci --name example.com/base --file /b=B
	fetch_ok base.aci
	local base=$output size
	size=$(stat -c %s base.aci)
	$MKACI good.aci --name example.com/good --dep "example.com/base,size=$size" --file /g=G
	fetch_ok good.aci
	rkt_ok image render --rootfs-only "$output" out
	[ "$(cat out/b out/g)" = BG ]
	$MKACI bad.aci --name example.com/bad --dep "example.com/base,size=$((size + 1))"
	rkt --insecure-options=image fetch bad.aci
	expect_error "dependency 'example.com/base'" "$base" "$size bytes, not the $((size + 1))"
}

@test "image verify re-hashes blobs and repairs damaged trees" {
	fetch_ok "$APPC/aci/minimal.aci"
	local id=$output
	rkt_ok image verify
	[ "$output" = "$id: ok" ]
	echo tampered > "$STORE/cas/tree/$id/rootfs/etc/hostname"
	rkt_ok image verify "$id"
	[ "$output" = "$id: repaired" ]
	rkt_ok image verify
	[ "$output" = "$id: ok" ]
	printf 'garbage' > "$STORE/cas/blob/sha512/${id:7:2}/$id"
	rkt image verify
	expect_error "$id" "damaged"
}

@test "version and config" {
	rkt_ok version
	[ "${lines[0]}" = "rkt Version: 0.1.0" ]
	[ "${lines[1]}" = "appc Version: 0.8.11" ]
	[[ "${lines[2]}" == "Go Version: "* ]]
	[[ "${lines[4]}" == "Features: "* ]]
	mkdir -p sys/paths.d local/stage1.d
	echo '{"rktKind":"paths","rktVersion":"v1","stage1-images":"/opt/s1"}' >sys/paths.d/p.json
	echo '{"rktKind":"stage1","rktVersion":"v1","name":"example.com/s1","version":"1"}' \
		>local/stage1.d/s.json
	rkt_ok --system-config=sys --local-config=local config --pretty-print=false
	[ "$output" = '{"stage0":[{"rktVersion":"v1","rktKind":"paths","data":"'"$STORE"'","stage1-images":"/opt/s1"},{"rktVersion":"v1","rktKind":"stage1","name":"example.com/s1","version":"1"}]}' ]
}

@test "unknown commands and options fail with 254" {
	rkt bogus
	expect_error "bogus"
	rkt image bogus
	expect_error "bogus"
	rkt fetch --bogus x.aci
	expect_error "--bogus"
	rkt --insecure-options=nope fetch x.aci
	expect_error "nope"
}

# deep_aci OUT N: a valid image whose rootfs holds N nested directories "d" and a file at the
# bottom.
deep_aci() {
	local p
	p=$(printf 'd/%.0s' $(seq 1 "$2"))
	$MKACI "$1" --name example.com/deep --file "/${p}leaf=bottom"
}

@test "image verify hashes an image of 1,990 nested directories (no recursion)" {
	deep_aci deep.aci 1990
	fetch_ok deep.aci
	local id=$output
	rkt_ok image verify "$id"
	[ "$output" = "$id: ok" ]
}

@test "image rm and image gc remove a deep tree within a 1,024-fd limit" {
	deep_aci deep.aci 1990
	fetch_ok deep.aci
	local id=$output
	run --separate-stderr bash -c 'ulimit -n 1024 && exec "$@"' - "$RKT" --dir="$STORE" image rm "$id"
	[ "$status" -eq 0 ] || fail "image rm: $status: $stderr"
	[ ! -e "$STORE/cas/tree/$id" ] || fail "tree left behind"
	# image gc sweeps a tree no image owns (as an interrupted image rm leaves).
	fetch_ok deep.aci
	mv "$STORE/cas/tree/$id" "$STORE/cas/tree/orphan"
	run --separate-stderr bash -c 'ulimit -n 1024 && exec "$@"' - "$RKT" --dir="$STORE" image gc --grace-period=0s
	[ "$status" -eq 0 ] || fail "image gc: $status: $stderr"
	[ -z "$(ls "$STORE/cas/tree")" ] || fail "trees left: $(ls "$STORE/cas/tree")"
	expect_empty_store
}

@test "trusted.* and security.* xattrs of an image are dropped on import (overlayfs reads them)" {
	python3 - x.aci <<'PY'
import io, json, sys, tarfile
t = tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT)
m = json.dumps({"acKind": "ImageManifest", "acVersion": "0.8.11",
                "name": "example.com/xattrs"}).encode()
ti = tarfile.TarInfo("manifest"); ti.size = len(m); t.addfile(ti, io.BytesIO(m))
for d in ("rootfs", "rootfs/hidden"):
    ti = tarfile.TarInfo(d); ti.type = tarfile.DIRTYPE; ti.mode = 0o755
    if d == "rootfs/hidden":
        ti.pax_headers = {"SCHILY.xattr.trusted.overlay.opaque": "y",
                          "SCHILY.xattr.user.kept": "yes"}
    t.addfile(ti)
ti = tarfile.TarInfo("rootfs/f"); ti.size = 1; ti.mode = 0o755
ti.pax_headers = {"SCHILY.xattr.trusted.overlay.redirect": "/etc/shadow",
                  "SCHILY.xattr.security.selinux": "system_u:object_r:shadow_t:s0",
                  "SCHILY.xattr.user.kept": "yes"}
t.addfile(ti, io.BytesIO(b"x"))
t.close()
PY
	rkt_ok --insecure-options=image fetch x.aci
	local id=$output
	local d
	for d in extract render; do
		rkt_ok image $d --rootfs-only "$id" "out-$d"
		[ "$(getfattr --only-values -n user.kept "out-$d/f")" = yes ]
		[ "$(getfattr --only-values -n user.kept "out-$d/hidden")" = yes ]
		[ -z "$(getfattr -m '^(trusted|security)\.' -d "out-$d/f" "out-$d/hidden" 2>&1)" ]
	done
	# The store's copy too, and its tree hash still verifies.
	[ -z "$(getfattr -R -m '^trusted\.' -d "$STORE/cas" 2>&1)" ]
	rkt_ok image verify "$id"
}

@test "image export checks the blob against its ID while copying; a changed blob is refused" {
	local f
	for f in "" --gzip; do
		rm -rf "$STORE" out.aci
		$MKACI x.aci --name example.com/x --file /data=original-content $f
		fetch_ok x.aci
		local id=$output
		rkt_ok image export "$id" out.aci
		cmp x.aci out.aci
		rm out.aci
		# Change the stored blob: for gzip, recompress the changed tar.
		local blob
		blob=$(find "$STORE/cas/blob" -name "$id")
		python3 - "$blob" <<'PY'
import gzip, sys
p = sys.argv[1]
d = open(p, "rb").read()
gz = d[:2] == b"\x1f\x8b"
t = gzip.decompress(d) if gz else d
t = t.replace(b"original-content", b"tampered-content")
open(p, "wb").write(gzip.compress(t) if gz else t)
PY
		rkt image export "$id" out.aci
		expect_error "no longer matches its ID" "out.aci"
		[ ! -e out.aci ]
		[ -z "$(ls -A . | grep -v '^x.aci$')" ] || fail "left: $(ls -A .)"
	done
}
