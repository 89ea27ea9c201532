#!/usr/bin/env bats
# Hostile images: each is refused with a message naming the problem (and the entry), exit 254,
# and leaves nothing in the store and nothing outside it.

load rkt-helpers

# hostile_tar OUT PYTHON: builds a tar with python's tarfile; PYTHON adds entries to `t` with
# the helpers reg(name, data), dir(name), sym(name, target), hard(name, target), dev(name).
hostile_tar() {
	python3 - "$1" <<PY
import io, json, sys, tarfile
out = open(sys.argv[1], "wb")
t = tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT)
def info(name, type_):
    ti = tarfile.TarInfo(name); ti.type = type_; ti.mode = 0o755; ti.mtime = 1500000000
    return ti
def reg(name, data=b"x"):
    ti = info(name, tarfile.REGTYPE); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
def dir(name): t.addfile(info(name, tarfile.DIRTYPE))
def sym(name, target):
    ti = info(name, tarfile.SYMTYPE); ti.linkname = target; t.addfile(ti)
def hard(name, target):
    ti = info(name, tarfile.LNKTYPE); ti.linkname = target; t.addfile(ti)
def dev(name):
    ti = info(name, tarfile.CHRTYPE); ti.devmajor = 1; ti.devminor = 3; t.addfile(ti)
reg("manifest", json.dumps({"acKind": "ImageManifest", "acVersion": "0.8.11",
                            "name": "example.com/hostile"}).encode())
dir("rootfs")
$2
t.close()
PY
}

refused() {
	rkt --insecure-options=image fetch "$1"
	shift
	expect_error "$@"
	expect_empty_store
}

@test "path traversal is refused" {
	refused "$APPC/aci/path-traversal.aci" "path-traversal.aci" "rootfs/../../appc-vector-escape"
	hostile_tar t.aci 'reg("rootfs/a/../../../escape")'
	refused t.aci "rootfs/a/../../../escape"
	[ ! -e "$BATS_TEST_TMPDIR/escape" ]
}

@test "absolute paths are refused" {
	refused "$APPC/aci/absolute-path.aci" "absolute-path.aci" "/rootfs/abs"
}

@test "a symlink pointing out of the image is never written through" {
	rm -f /tmp/appc-vector-pwned
	refused "$APPC/aci/symlink-escape.aci" "rootfs/escape/appc-vector-pwned"
	[ ! -e /tmp/appc-vector-pwned ]
	# An existing host directory, by absolute and by relative symlink.
	mkdir -p "$BATS_TEST_TMPDIR/host"
	hostile_tar t.aci "sym('rootfs/abs', '$BATS_TEST_TMPDIR/host'); reg('rootfs/abs/pwned')"
	refused t.aci "rootfs/abs/pwned"
	hostile_tar t2.aci "sym('rootfs/rel', '../../../../../../../../$BATS_TEST_TMPDIR/host'); reg('rootfs/rel/pwned')"
	refused t2.aci "rootfs/rel/pwned"
	[ -z "$(ls -A "$BATS_TEST_TMPDIR/host")" ]
}

@test "a symlink resolving inside the image is followed inside it" {
	hostile_tar t.aci "dir('rootfs/tmp'); sym('rootfs/escape', '/tmp'); reg('rootfs/escape/inside', b'in')"
	rkt_ok --insecure-options=image fetch --full t.aci
	rkt_ok image extract --rootfs-only "$output" out
	[ "$(cat out/tmp/inside)" = in ]
	[ ! -e /tmp/inside ]
}

@test "a hard link to a host file is refused" {
	hostile_tar t.aci 'hard("rootfs/passwd", "/etc/passwd")'
	refused t.aci "rootfs/passwd" "hard link"
	hostile_tar t2.aci 'hard("rootfs/passwd", "rootfs/../../../../etc/passwd")'
	refused t2.aci "rootfs/passwd"
	hostile_tar t3.aci 'hard("rootfs/passwd", "rootfs/etc/passwd")'
	refused t3.aci "rootfs/passwd" "not an earlier entry"
}

@test "device nodes are refused" {
	hostile_tar t.aci 'dev("rootfs/null")'
	refused t.aci "rootfs/null" "device nodes are not allowed"
}

@test "duplicate entries are refused" {
	refused "$APPC/aci/duplicate-entry.aci" "duplicate entry 'rootfs/etc/hostname'"
	hostile_tar t.aci 'reg("rootfs/f"); reg("./rootfs/f")'
	refused t.aci "duplicate entry 'rootfs/f'"
}

@test "truncated and corrupt gzip are refused" {
	$MKACI good.aci --name example.com/g --big /data=200000 --gzip
	local size
	size=$(stat -c %s good.aci)
	head -c $((size / 2)) good.aci >truncated.aci
	refused truncated.aci "truncated.aci"
	cp good.aci corrupt.aci
	printf 'XXXXXXXXXXXXXXXXXXXXXXXX' | dd of=corrupt.aci bs=1 seek=$((size / 2)) conv=notrunc status=none
	refused corrupt.aci "corrupt.aci"
}

@test "an entry claiming more bytes than the archive holds is refused" {
	hostile_tar t.aci 'reg("rootfs/big", b"y" * 100000)'
	head -c 20000 t.aci >short.aci
	refused short.aci "short.aci"
}

@test "not an archive, no manifest, bad manifest are refused" {
	refused "$APPC/aci/not-an-archive.aci" "not-an-archive.aci"
	refused "$APPC/aci/no-manifest.aci" "no manifest"
	refused "$APPC/aci/bad-manifest.aci" "bad-manifest.aci"
	refused "$APPC/aci/extra-toplevel.aci" "extra-toplevel.aci"
}
