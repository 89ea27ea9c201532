#!/usr/bin/env bats
# Container images from local sources: oci:DIR[:TAG], oci-archive:FILE[:TAG],
# docker-archive:FILE (docs/store.md, "Container images"). Images are made with umoci (several
# layers, a whiteout, an opaque directory) and copied with skopeo; hostile layouts are written
# by helpers/mkoci.py. Checks the mapping to an ACI manifest, the tree (whiteouts applied), the
# layer cache (a shared base layer is stored once and kept while an image needs it), rkt run,
# and that every hostile input fails with one line and exit 254, leaving nothing in the store.

load pod-helpers

MKOCI=$BATS_TEST_DIRNAME/helpers/mkoci.py

load helpers/oci-images

setup_file() {
	pod_setup_file
	oci_build_images
	# What podman and buildah write: full references as tags, several images in one archive
	# (podman save -m), made with skopeo, which writes them the same way.
	skopeo copy -q oci:"$L/img:v1" docker-archive:"$BATS_FILE_TMPDIR/v1.tar:localhost/img:v1"
	skopeo copy -q oci:"$L/img:v2" docker-archive:"$BATS_FILE_TMPDIR/v2.tar:localhost/img:v2"
	python3 - "$L/da/multi.tar" "$BATS_FILE_TMPDIR/v1.tar" "$BATS_FILE_TMPDIR/v2.tar" <<'PY'
import io, json, sys, tarfile
seen, entries = set(), []
with tarfile.open(sys.argv[1], "w") as out:
    for src in sys.argv[2:]:
        with tarfile.open(src) as t:
            for m in t.getmembers():
                if m.name == "manifest.json":
                    entries += json.load(t.extractfile(m))
                elif m.name not in seen and m.name != "repositories":
                    seen.add(m.name)
                    out.addfile(m, t.extractfile(m) if m.isfile() else None)
    data = json.dumps(entries).encode()
    ti = tarfile.TarInfo("manifest.json")
    ti.size = len(data)
    out.addfile(ti, io.BytesIO(data))
PY
	skopeo copy -q oci:"$L/img:v1" oci-archive:"$L/oa/full.tar:localhost/img:v1"
}

setup() {
	pod_setup
	R=(--dir="$STORE" --insecure-options=image)
}

n_layers() {
	find "$STORE/cas/blob/sha256" -type f | wc -l
}

# The store holds nothing: no image, no layer, no tree, no work file.
store_empty() {
	run "$RKT" --dir="$STORE" image list --no-legend
	[ -z "$output" ] || fail "images left: $output"
	[ "$(find "$STORE/cas/blob" "$STORE/cas/tree" "$STORE/cas/tmp" -mindepth 1 -not -type d | wc -l)" -eq 0 ] ||
		fail "files left: $(find "$STORE/cas" -type f)"
}

tree_of() {
	(cd "$STORE/cas/tree/$1/rootfs" && find . | sort)
}

@test "oci:DIR:TAG maps the config to an ACI manifest as docker2aci did" {
	rkt "${R[@]}" fetch --full oci:"$L/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$output
	rkt "${R[@]}" image cat-manifest "$id"
	m=$output
	[ "$(jq -c .app.exec <<<"$m")" = '["/bin/sh","-c","echo \"$FOO $(id -u):$(id -g) $(pwd)\"; cat /data/two /etc/opq/new"]' ]
	[ "$(jq -r .name <<<"$m")" = img ]
	[ "$(jq -r '.labels[]|select(.name=="version").value' <<<"$m")" = v1 ]
	[ "$(jq -r '.app.user + ":" + .app.group' <<<"$m")" = 1000:1001 ]
	[ "$(jq -r .app.workingDirectory <<<"$m")" = /data ]
	[ "$(jq -c '.app.environment' <<<"$m")" = '[{"name":"FOO","value":"bar"},{"name":"PATH","value":"/bin"}]' ]
	[ "$(jq -c '.app.ports' <<<"$m")" = '[{"name":"80-tcp","protocol":"tcp","port":80,"count":1,"socketActivated":false}]' ]
	[ "$(jq -c '.app.mountPoints' <<<"$m")" = '[{"name":"volume-vol","path":"/vol"}]' ]
	[ "$(jq -r '.annotations[]|select(.name=="appc.io/docker/entrypoint").value' <<<"$m")" = '["/bin/sh"]' ]
	jq -e '.annotations[]|select(.name=="appc.io/docker/imageid")|.value|startswith("sha256:")' <<<"$m"
	rkt "${R[@]}" image list --no-legend --fields=name,origin
	[ "$output" = "img:v1	oci:$L/img:v1" ] || fail "$output"
}

@test "layers are combined with the OCI whiteouts: deleted file gone, opaque directory replaced" {
	rkt "${R[@]}" fetch --full oci:"$L/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	t=$(tree_of "$output")
	[[ "$t" == *./data/keep* && "$t" == *./data/two* && "$t" == *./etc/opq/new* ]] || fail "$t"
	[[ "$t" != *./etc/gone* && "$t" != *./etc/opq/old* && "$t" != *.wh.* ]] || fail "$t"
}

@test "a second image on the same base stores only its new layer; rm and gc keep shared layers" {
	rkt "${R[@]}" fetch --full oci:"$L/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	v1=$output
	[ "$(n_layers)" -eq 3 ]
	rkt "${R[@]}" fetch --full oci:"$L/img:v2"
	[ "$status" -eq 0 ] || fail "$stderr"
	v2=$output
	[ "$(n_layers)" -eq 4 ]
	[[ "$(tree_of "$v2")" == *./extra* ]]
	rkt "${R[@]}" image rm "$v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(n_layers)" -eq 4 ]
	rkt "${R[@]}" image gc --grace-period=0s
	[ "$status" -eq 0 ]
	[ "$(n_layers)" -eq 0 ]
	store_empty
}

# v3 (on a copy of the layout): v1's layers plus one that replaces a file, whites another out,
# changes a directory's mode and adds a file to a directory it does not list; v1env: v1's layers exactly, with another config.
build_v3() {
	I=$BATS_TEST_TMPDIR/img
	cp -a "$L/img" "$I"
	python3 - "$BATS_TEST_TMPDIR/l5.tar" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w") as t:
    d = tarfile.TarInfo("data"); d.type, d.mode = tarfile.DIRTYPE, 0o750
    t.addfile(d)
    f = tarfile.TarInfo("data/keep"); f.size, f.mode = 8, 0o600
    t.addfile(f, io.BytesIO(b"changed\n"))
    t.addfile(tarfile.TarInfo("data/.wh.two"))
    f = tarfile.TarInfo("etc/added"); f.size, f.mode = 6, 0o644  # no entry for etc/
    t.addfile(f, io.BytesIO(b"added\n"))
PY
	umoci raw add-layer --image "$I:v1" --tag v3 "$BATS_TEST_TMPDIR/l5.tar"
	umoci config --image "$I:v1" --tag v1env --config.env OTHER=1
}

@test "an image on a stored image's layers starts from its tree, which the new layers leave alone" {
	build_v3
	rkt "${R[@]}" fetch --full oci:"$I:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	v1=$output
	before=$(cd "$STORE/cas/tree/$v1/rootfs" && find . -printf '%p %m %s %i\n' | sort)
	rkt "${R[@]}" fetch --full oci:"$I:v3"
	[ "$status" -eq 0 ] || fail "$stderr"
	v3=$output
	t1=$STORE/cas/tree/$v1/rootfs t3=$STORE/cas/tree/$v3/rootfs
	# The base was cloned (one inode), not rendered again.
	[ "$(stat -c %i "$t1/bin/busybox")" = "$(stat -c %i "$t3/bin/busybox")" ] || fail "not shared"
	[ "$(cat "$t3/data/keep")" = changed ] && [ "$(stat -c %a "$t3/data/keep")" = 600 ] || fail "$(ls -la "$t1/data" "$t3/data")"
	[ ! -e "$t3/data/two" ] && [ "$(stat -c %a "$t3/data")" = 750 ] || fail "$(ls -la "$t1/data" "$t3/data")"
	# The top layer lists data/ with mtime 0: of a directory listed by several layers the
	# last one's mtime stays.
	[ "$(stat -c %Y "$t3/data")" = 0 ] && [ "$(stat -c %Y "$t1/data")" != 0 ] || fail "$(ls -la "$t1/data" "$t3/data")"
	[ ! -e "$t3/etc/gone" ] && [ "$(cat "$t3/etc/opq/new")" = new ] && [ -f "$t3/etc/added" ] || fail "$(ls -la "$t1/data" "$t3/data")"
	# v1's tree is exactly as it was.
	after=$(cd "$t1" && find . -printf '%p %m %s %i\n' | sort)
	[ "$before" = "$after" ] || fail "v1 changed: $(diff <(echo "$before") <(echo "$after"))"
	[ "$(cat "$t1/data/keep")" = keep ] && [ "$(cat "$t1/data/two")" = two ] || fail "$(ls -la "$t1/data" "$t3/data")"
	# Each tree is what rendering its layers from scratch gives.
	for id in "$v1" "$v3"; do
		rkt "${R[@]}" image verify "$id"
		[ "$output" = "$id: ok" ] || fail "$id: $output $stderr"
	done
	# The same layers under another config: the whole tree is shared.
	rkt "${R[@]}" fetch --full oci:"$I:v1env"
	[ "$status" -eq 0 ] || fail "$stderr"
	e=$output
	[ "$e" != "$v1" ] && [ "$(stat -c %i "$STORE/cas/tree/$e/rootfs/data/keep")" = "$(stat -c %i "$t1/data/keep")" ] || fail "$(ls -la "$t1/data" "$t3/data")"
	# Removing the base leaves the others whole.
	rkt "${R[@]}" image rm "$v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" image verify "$v3"
	[ "$output" = "$v3: ok" ] || fail "$output $stderr"
	rkt "${R[@]}" run "$v3" --user=0 --group=0 --exec /bin/cat -- /data/keep
	[ "$status" -eq 0 ] && [[ "$output" == *changed* ]] || fail "$output $stderr"
}

@test "when the base's tree cannot be linked, the image's tree is rendered from its layers" {
	build_v3
	rkt "${R[@]}" fetch --full oci:"$I:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	v1=$output
	t1=$STORE/cas/tree/$v1/rootfs
	# No link can be made to an immutable file: the clone fails half-way.
	chattr +i "$t1/data/keep"
	rkt "${R[@]}" fetch --full oci:"$I:v3"
	status_v3=$status v3=$output
	chattr -i "$t1/data/keep"
	[ "$status_v3" -eq 0 ] || fail "$stderr"
	t3=$STORE/cas/tree/$v3/rootfs
	[ "$(stat -c %i "$t1/bin/busybox")" != "$(stat -c %i "$t3/bin/busybox")" ] || fail "shared"
	[ "$(cat "$t3/data/keep")" = changed ] || fail "$(cat "$t3/data/keep")"
	[ -f "$t3/etc/added" ] || fail "no etc/added"
	rkt "${R[@]}" image verify "$v3"
	[ "$output" = "$v3: ok" ] || fail "$output $stderr"
	[ -z "$(ls -A "$STORE/cas/tmp")" ] || fail "left in cas/tmp: $(ls -A "$STORE/cas/tmp")"
}

@test "image rm of the last image using the layers removes them" {
	rkt "${R[@]}" fetch --full oci:"$L/img:v2"
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" image rm "$output"
	[ "$status" -eq 0 ] || fail "$stderr"
	store_empty
}

@test "oci:, oci-archive: and docker-archive: give the same manifest and tree" {
	local ids=() src
	for src in oci:"$L/img:v1" oci-archive:"$L/oa/img.tar:v1" docker-archive:"$L/da/img.tar"; do
		rkt "${R[@]}" fetch --full "$src"
		[ "$status" -eq 0 ] || fail "$src: $stderr"
		ids+=("$output")
	done
	for id in "${ids[@]}"; do
		"$RKT" --dir="$STORE" image cat-manifest "$id" >"$BATS_TEST_TMPDIR/m.$id"
		(cd "$STORE/cas/tree/$id/rootfs" && find . -printf '%p %y %m %s %l\n' | sort) >"$BATS_TEST_TMPDIR/t.$id"
		(cd "$STORE/cas/tree/$id/rootfs" && find . -type f -exec sha256sum {} + | sort) >>"$BATS_TEST_TMPDIR/t.$id"
	done
	cmp "$BATS_TEST_TMPDIR/m.${ids[0]}" "$BATS_TEST_TMPDIR/m.${ids[1]}"
	cmp "$BATS_TEST_TMPDIR/m.${ids[0]}" "$BATS_TEST_TMPDIR/m.${ids[2]}"
	cmp "$BATS_TEST_TMPDIR/t.${ids[0]}" "$BATS_TEST_TMPDIR/t.${ids[1]}"
	cmp "$BATS_TEST_TMPDIR/t.${ids[0]}" "$BATS_TEST_TMPDIR/t.${ids[2]}"
}

@test "rkt run oci: runs the image with its exec, env, user, group, working directory and files" {
	rkrun oci:"$L/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "bar 1000:1001 /data
two
new" ] || fail "$output"
}

@test "without --insecure-options=image a container image is refused before it is read" {
	rkt --dir="$STORE" fetch oci:"$L/img:v1"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"--insecure-options=image"* ]]
	store_empty
}

# hostile NAME SPEC EXPECTED: the layout from SPEC is refused with one line containing EXPECTED.
hostile() {
	mkdir -p "$BATS_TEST_TMPDIR/h"
	python3 "$MKOCI" "$BATS_TEST_TMPDIR/h/img" <<<"$1"
	rkt "${R[@]}" fetch oci:"$BATS_TEST_TMPDIR/h/img:v1"
	[ "$status" -eq 254 ] || fail "status $status: $stderr"
	[ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "$stderr"
	[[ "$stderr" == *"$2"* ]] || fail "$stderr"
	store_empty
}

@test "hostile: a layer entry with '..' is refused" {
	hostile '{"layers":[[{"name":"a/../../x","data":"x"}]]}' "entry 'a/../../x': path leaves the image"
}

@test "hostile: a layer entry with an absolute name is refused" {
	hostile '{"layers":[[{"name":"/etc/x","data":"x"}]]}' "entry '/etc/x': absolute path"
}

@test "hostile: a file written through an earlier layer's symlink is refused" {
	hostile '{"layers":[[{"name":"lnk","type":"symlink","target":"/etc"}],[{"name":"lnk/passwd","data":"x"}]]}' \
		"entry 'lnk/passwd': parent 'lnk' is not a directory inside the image"
	hostile '{"layers":[[{"name":"d","type":"dir"},{"name":"lnk","type":"symlink","target":"d"}],[{"name":"lnk/f","data":"x"}]]}' \
		"entry 'lnk/f': parent 'lnk'"
}

@test "hostile: a whiteout naming a path outside the layer is refused" {
	hostile '{"layers":[[{"name":"a","type":"dir"}],[{"name":"a/.wh...","data":""}]]}' \
		"entry 'a/.wh...': whiteout names a path outside the layer"
	hostile '{"layers":[[{"name":".wh..","data":""}]]}' "whiteout names a path outside the layer"
}

@test "hostile: a hard link to a path not in the image is refused" {
	hostile '{"layers":[[{"name":"h","type":"hardlink","target":"etc/shadow"}]]}' \
		"entry 'h': hard link target is not a file in the image"
}

@test "hostile: device nodes are refused" {
	hostile '{"layers":[[{"name":"null","type":"chr"}]]}' "entry 'null': device nodes are not allowed"
}

@test "hostile: a blob whose bytes do not match its digest is refused" {
	hostile '{"layers":[[{"name":"f","data":"hello world"}]],"bad_digest":true}' "hashes to 'sha256:"
}

@test "hostile: a blob larger than its descriptor says is cut off" {
	hostile '{"layers":[[{"name":"f","data":"hello world"}]],"short_size":true}' "is larger than its"
}

@test "a layer of zeros that expands a thousand times is a real layer: it fetches" {
	python3 "$MKOCI" "$BATS_TEST_TMPDIR/img" <<<'{"layers":[[{"name":"f","data":"x"}]],"zeros":[1,100]}'
	[ "$(du -sk "$BATS_TEST_TMPDIR/img/blobs" | cut -f1)" -lt 1024 ]
	rkt "${R[@]}" fetch --full oci:"$BATS_TEST_TMPDIR/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(stat -c %s "$STORE/cas/tree/$output/rootfs/zeros")" -eq $((100 << 20)) ]
}

# A bomb expands past the free space of the store's file system: a small tmpfs in a private
# mount namespace (gone with it). One file larger than the space is refused at its header, and
# so is the file of many that makes them add up to more; nothing is left in the store either way.
@test "hostile: a gzip bomb is refused before it fills the store's file system" {
	python3 "$MKOCI" "$BATS_TEST_TMPDIR/one" <<<'{"layers":[[{"name":"f","data":"x"}]],"zeros":[1,64]}'
	python3 "$MKOCI" "$BATS_TEST_TMPDIR/many" <<<'{"layers":[[{"name":"f","data":"x"}]],"zeros":[48,1]}'
	mkdir -p "$BATS_TEST_TMPDIR/small"
	run --separate-stderr unshare -m --propagation private bash -c '
		mount -t tmpfs -o size=24m,mode=0755 rkt-test-bomb "$1" || exit 99
		for img in one many; do
			"$RKT" --dir="$1/d" --insecure-options=image fetch oci:"$2/$img:v1" 2>&1
			echo "status $?"
			"$RKT" --dir="$1/d" image list --no-legend
			find "$1/d/cas/blob" "$1/d/cas/tree" "$1/d/cas/tmp" -mindepth 1 -not -type d
		done
	' bash "$BATS_TEST_TMPDIR/small" "$BATS_TEST_TMPDIR"
	[ "$status" -eq 0 ] || fail "status $status" "$output" "$stderr"
	[ "${#lines[@]}" -eq 4 ] || fail "$output"
	[[ "${lines[0]}" == *"/one:v1': layer 'sha256:"*"': entry 'zeros': 64 MiB: the layer expands to more than the "*" MiB free to unpack it (a compression bomb?)" ]] ||
		fail "$output"
	[[ "${lines[2]}" == *"/many:v1': layer 'sha256:"*"': entry 'zeros2"?"': 1 MiB: the layer expands to more than the "*" MiB free to unpack it (a compression bomb?)" ]] ||
		fail "$output"
	[ "${lines[1]}" = "status 254" ] && [ "${lines[3]}" = "status 254" ] || fail "$output"
}

@test "hostile: an index with no manifest for the host's platform is refused" {
	hostile '{"layers":[[{"name":"f","data":"x"}]],"index_platform":["linux","s390x"]}' "no manifest for linux/"
}

# --os and --arch (our extension) pick another platform from an index; its manifest says so.
@test "fetch --arch picks another platform from an index" {
	python3 "$MKOCI" "$BATS_TEST_TMPDIR/img" <<<'{"layers":[[{"name":"f","data":"x"}]],"index_platform":["linux","s390x"],"arch":"s390x"}'
	rkt "${R[@]}" fetch oci:"$BATS_TEST_TMPDIR/img:v1"
	[ "$status" -eq 254 ] || fail "status $status"
	[[ "$stderr" == *"no manifest for linux/"*" (--os and --arch pick another platform)" ]] || fail "$stderr"
	rkt "${R[@]}" fetch --full --arch=s390x oci:"$BATS_TEST_TMPDIR/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" image cat-manifest "$output"
	[ "$(jq -r '.labels[]|select(.name=="arch").value' <<<"$output")" = s390x ]
	rkt "${R[@]}" fetch --os=linux --arch=arm64 oci:"$BATS_TEST_TMPDIR/img:v1"
	[ "$status" -eq 254 ] || fail "status $status"
	[[ "$stderr" == *": no manifest for linux/arm64" ]] || fail "$stderr"
	rkt "${R[@]}" fetch --arch=S390/x oci:"$BATS_TEST_TMPDIR/img:v1"
	[ "$status" -eq 254 ]
	[ "$stderr" = "rkt: fetch: --arch: 'S390/x' is not a platform name (like arm64)" ] || fail "$stderr"
	rkt "${R[@]}" fetch --os=Linux oci:"$BATS_TEST_TMPDIR/img:v1"
	[ "$status" -eq 254 ]
	[ "$stderr" = "rkt: fetch: --os: 'Linux' is not a platform name (like linux)" ] || fail "$stderr"
}

@test "an index with the host's platform is followed" {
	python3 "$MKOCI" "$BATS_TEST_TMPDIR/img" <<<'{"layers":[[{"name":"f","data":"x"}]],"index_platform":["linux","amd64"]}'
	rkt "${R[@]}" fetch oci:"$BATS_TEST_TMPDIR/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
}

@test "image verify, extract and export (an ACI of its tree) of an image made of layers" {
	rkt "${R[@]}" fetch --full oci:"$L/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$output
	rkt "${R[@]}" image verify "$id"
	[ "$status" -eq 0 ] && [ "$output" = "$id: ok" ] || fail "$output $stderr"
	chmod 600 "$STORE/cas/tree/$id/rootfs/data/keep"
	rkt "${R[@]}" image verify "$id"
	[ "$output" = "$id: repaired" ] || fail "$output $stderr"
	[ "$(stat -c %a "$STORE/cas/tree/$id/rootfs/data/keep")" = 644 ]
	rkt "${R[@]}" image extract "$id" "$T/x"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(cat "$T/x/rootfs/etc/opq/new")" = new ]
	[ ! -e "$T/x/rootfs/etc/opq/old" ]
	# export builds an ACI of the manifest and the tree: the same image in another store
	rkt "${R[@]}" image export "$id" "$T/x.aci"
	[ "$status" -eq 0 ] || fail "$stderr"
	"$ACTOOL" validate "$T/x.aci"
	"$RKT" --dir="$T/other" --insecure-options=image fetch --full "$T/x.aci" >"$T/other.id"
	cmp <("$RKT" --dir="$STORE" image cat-manifest "$id") \
		<("$RKT" --dir="$T/other" image cat-manifest "$(cat "$T/other.id")")
	diff <(cd "$STORE/cas/tree/$id/rootfs" && find . -printf '%p %y %m %s %l %U:%G\n' | sort) \
		<(cd "$T/other/cas/tree/$(cat "$T/other.id")/rootfs" && find . -printf '%p %y %m %s %l %U:%G\n' | sort)
	rkt "${R[@]}" image export "$id" "$T/x.aci"
	expect_error "'$T/x.aci' exists"
	f=$(find "$STORE/cas/blob/sha256" -type f | head -n1)
	printf x | dd of="$f" bs=1 seek=20 conv=notrunc 2>/dev/null
	rkt "${R[@]}" image verify "$id"
	[ "$status" -eq 254 ] && [[ "$stderr" == *"is damaged: layer 'sha256:"* ]] || fail "$stderr"
}

@test "image list --fields=origin shows where each image came from, ACIs included" {
	rkt "${R[@]}" fetch "$BB_ACI"
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" fetch oci:"$L/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" image list --no-legend --fields=origin --sort=importtime
	[ "$output" = "file://$(realpath "$BB_ACI")
oci:$L/img:v1" ] || fail "$output"
}

version_of() {
	"$RKT" --dir="$STORE" image cat-manifest "$1" | jq -r '.labels[]|select(.name=="version").value'
}

@test "docker-archive:FILE:NAME:TAG and :@N pick an image of an archive with several" {
	local m=$L/da/multi.tar
	rkt "${R[@]}" fetch docker-archive:"$m"
	expect_error "'docker-archive:$m': the archive holds 2 images; name one"
	store_empty
	rkt "${R[@]}" fetch --full docker-archive:"$m:localhost/img:v2"
	[ "$status" -eq 0 ] || fail "$stderr"
	v2=$output
	[ "$(version_of "$v2")" = v2 ]
	[[ "$(tree_of "$v2")" == *./extra* ]]
	rkt "${R[@]}" fetch --full docker-archive:"$m:@1"
	[ "$status" -eq 0 ] && [ "$output" = "$v2" ] || fail "$output $stderr"
	rkt "${R[@]}" fetch --full docker-archive:"$m:@0"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(version_of "$output")" = v1 ]
	[[ "$(tree_of "$output")" != *./extra* ]]
	rkt "${R[@]}" fetch docker-archive:"$m:localhost/img:v3"
	expect_error "no image tagged 'localhost/img:v3'"
	rkt "${R[@]}" fetch docker-archive:"$m:@2"
	expect_error "no image @2"
	# docker.io/library/ and :latest are implied, as Docker has it
	rkt "${R[@]}" fetch --full docker-archive:"$L/da/img.tar:img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" fetch --full docker-archive:"$L/da/img.tar:docker.io/library/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" fetch docker-archive:"$L/da/img.tar:img"
	expect_error "no image tagged 'img'"
}

@test "an OCI archive tagged with a full reference, as podman and buildah write it" {
	rkt "${R[@]}" fetch --full oci-archive:"$L/oa/full.tar"
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$output
	[ "$(version_of "$id")" = v1 ]
	rkt "${R[@]}" fetch --full oci-archive:"$L/oa/full.tar:localhost/img:v1"
	[ "$status" -eq 0 ] && [ "$output" = "$id" ] || fail "$output $stderr"
	rkt "${R[@]}" fetch oci-archive:"$L/oa/full.tar:v2"
	expect_error "no image tagged 'v2'"
}

@test "an image fetched by a relative path: its origin is the absolute path, its name the directory's" {
	cd "$L"
	rkt "${R[@]}" fetch oci:img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" fetch docker-archive:da/multi.tar:localhost/img:v2
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" image list --no-legend --fields=origin --sort=importtime
	[ "$output" = "oci:$(realpath "$L")/img:v1
docker-archive:$(realpath "$L")/da/multi.tar:localhost/img:v2" ] || fail "$output"
	# in the layout directory itself: named after it, as from anywhere else
	cd "$L/img"
	rkt "${R[@]}" fetch --full oci:.:v1
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" image cat-manifest "$output"
	[ "$(jq -r .name <<<"$output")" = img ]
}

# A container image without Entrypoint and Cmd (a base image) maps to an app without exec:
# run and prepare refuse it before a pod exists unless --exec gives one.
@test "an image without Entrypoint and Cmd needs --exec, refused before a pod exists" {
	cp -r "$L/img" "$T/noexec"
	chmod -R u+w "$T/noexec"
	umoci config --image "$T/noexec:v1" --clear config.entrypoint --clear config.cmd
	rkrun oci:"$T/noexec:v1"
	expect_error "image 'oci:$T/noexec:v1' has no exec: --exec is required"
	rkprepare oci:"$T/noexec:v1"
	expect_error "has no exec"
	expect_no_pods
	rkrun oci:"$T/noexec:v1" --exec /bin/echo -- given
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = given ] || fail "$output"
}
