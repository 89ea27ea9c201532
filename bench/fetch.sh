#!/bin/sh
# Times rkt fetch and rkt image list, in one run:
#   fetch file   `rkt fetch --insecure-options=image FILE` of a gzip ACI of about 300 MB and
#                15,000+ files (the tree of bench/gen-tree.pl, built by our actool) into an
#                empty store: the blob, the extracted tree, its hash and the index row, synced
#                to disk, against `igzip -dc FILE | tar -x` and `zcat FILE | tar -x` of the
#                same file into an empty directory (not synced: they promise nothing)
#   fetch http   the same over plain http from 127.0.0.1, served by bench/http-serve.c (built
#                here with cc and libmicrohttpd; it sends with sendfile(), so the server's CPU
#                does not compete with ours on a small machine as python3 -m http.server did)
#   image list   `rkt image list` with 1,000 images in the store
#   disk use     du of cas/ against the images' own sizes
# Each time is the median of RUNS (default 3) runs, on a warm page cache for every side.
#
#   bench/fetch.sh [BUILD_DIR [WORK_DIR]]      (make bench: BUILD_DIR=build)
#
# Everything is written to a temporary directory under WORK_DIR (default $TMPDIR or /tmp),
# removed on exit; the HTTP server is killed by its PID.
set -eu

build=${1:-build}
rkt=$build/cli/rkt/rkt
actool=$build/cli/actool/actool
runs=${RUNS:-3}
seed=${SEED:-20240501}
n_images=${IMAGES:-1000}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

[ -x "$rkt" ] || die "no rkt at '$rkt' (build first: ninja -C $build)"
[ -x "$actool" ] || die "no actool at '$actool'"
need igzip "apt-get install isal"
[ -x /usr/bin/time ] || die "GNU time is needed (apt-get install time)"
for c in cc pkg-config perl python3 zcat tar du; do
	need "$c" "scripts/install-deps.sh"
done

bench_workdir "${2:-${TMPDIR:-/tmp}}/fetch-bench.XXXXXX"
trap 'exit 130' INT TERM

cc -O2 -Wall -Werror -o "$work/http-serve" "$here/http-serve.c" \
	$(pkg-config --cflags --libs libmicrohttpd) || die "cannot build bench/http-serve.c"

echo "bench: generating the tree in $work (seed $seed)" >&2
mkdir -p "$work/layout/rootfs" "$work/serve"
cat >"$work/layout/manifest" <<'JSON'
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/bench","labels":[{"name":"version","value":"1.0.0"},{"name":"os","value":"linux"}],"app":{"exec":["/bin/sh"],"user":"0","group":"0"}}
JSON
perl "$here/gen-tree.pl" "$work/layout/rootfs" "$seed" 150 4
aci=$work/serve/bench.aci
"$actool" build "$work/layout" "$aci"
rm -rf "$work/layout"

now() {
	date +%s%N
}

median() {
	tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

# timed SETUP CMD: runs SETUP (untimed) then CMD (timed), $runs times; prints the median wall
# time and the median CPU time (user + system, children included) in ns. The CPU time is the
# steadier figure on a shared machine.
timed() {
	i=0
	walls=""
	cpus=""
	while [ "$i" -lt "$runs" ]; do
		sh -c "$1" >/dev/null 2>&1 || die "failed: $1"
		/usr/bin/time -f "%e %U %S" -o "$work/time" sh -c "$2" >/dev/null 2>&1 ||
			die "failed: $2"
		walls="$walls $(awk '{ printf "%.0f", $1 * 1e9 }' "$work/time")"
		cpus="$cpus $(awk '{ printf "%.0f", ($2 + $3) * 1e9 }' "$work/time")"
		i=$((i + 1))
	done
	echo "$(echo $walls | median) $(echo $cpus | median)"
}

store=$work/store
out=$work/out
fresh="rm -rf '$store' '$out' && mkdir '$out' && cat '$aci' >/dev/null"

echo "bench: fetch from a file" >&2
ours_file=$(timed "$fresh" "'$rkt' --dir='$store' --insecure-options=image fetch '$aci'")
igzip_tar=$(timed "$fresh" "igzip -dc '$aci' | tar -x -C '$out'")
zcat_tar=$(timed "$fresh" "zcat '$aci' | tar -x -C '$out'")
echo "bench: wall and cpu ns: ours $ours_file, igzip $igzip_tar, zcat $zcat_tar" >&2

echo "bench: fetch over loopback http" >&2
fifo=$work/server.out
mkfifo "$fifo"
"$work/http-serve" "$work/serve" >"$fifo" &
server_pid=$!
# The port on the first line is the readiness check.
exec 3<"$fifo"
read -r port <&3 || die "the http server did not start"
[ -n "$port" ] || die "no port from the http server"
url=http://127.0.0.1:$port/bench.aci
ours_http=$(timed "$fresh" "'$rkt' --dir='$store' --insecure-options=image,http fetch '$url'")

# The stored image must be the one a plain extraction gives.
rm -rf "$out"
mkdir "$out"
zcat "$aci" | tar -x -C "$out"
id=$("$rkt" --dir="$store" image list --no-legend --full --fields=id)
[ "$id" = "sha512-$(zcat "$aci" | sha512sum | cut -d' ' -f1)" ] || die "wrong image ID '$id'"
diff -r "$out/rootfs" "$store/cas/tree/$id/rootfs" >/dev/null || die "the stored tree differs"
big_du=$(du -sb "$store/cas" | cut -f1)
big_tree=$(du -sb "$out/rootfs" | cut -f1)

echo "bench: $n_images images" >&2
rm -rf "$store"
tiny=$work/serve/tiny
mkdir -p "$tiny"
python3 - "$tiny" "$n_images" <<'PY'
import gzip, io, json, sys, tarfile
out, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        def add(name, data=None, kind=tarfile.REGTYPE):
            ti = tarfile.TarInfo(name)
            ti.type, ti.mtime, ti.mode = kind, 0, 0o755 if kind == tarfile.DIRTYPE else 0o644
            ti.size = len(data) if data else 0
            t.addfile(ti, io.BytesIO(data) if data else None)
        m = {"acKind": "ImageManifest", "acVersion": "0.8.11", "name": "example.com/tiny%04d" % i,
             "labels": [{"name": "version", "value": "1.%d" % i}]}
        add("manifest", json.dumps(m).encode())
        add("rootfs", kind=tarfile.DIRTYPE)
        add("rootfs/etc", kind=tarfile.DIRTYPE)
        add("rootfs/etc/image", ("image %d\n" % i).encode() * 8)
    with open("%s/tiny%04d.aci" % (out, i), "wb") as f:
        f.write(gzip.compress(buf.getvalue(), mtime=0))
PY
# One command for all of them, from files and over http (one connection per image).
urls=$(cd "$tiny" && for f in *.aci; do printf ' http://127.0.0.1:%s/tiny/%s' "$port" "$f"; done)
tiny_file=$(timed "rm -rf '$store'" "'$rkt' --dir='$store' --insecure-options=image fetch '$tiny'/*.aci")
tiny_http=$(timed "rm -rf '$store'" "'$rkt' --dir='$store' --insecure-options=image,http fetch $urls")
exec 3<&-
kill "$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=
[ "$("$rkt" --dir="$store" image list --no-legend | wc -l)" -eq "$n_images" ] ||
	die "expected $n_images images"
# Wall time of each listing, in-process clock of the shell: median of 15 runs.
list_median() {
	i=0
	times=""
	while [ "$i" -lt 15 ]; do
		t0=$(now)
		"$@" >/dev/null || die "failed: $*"
		t1=$(now)
		times="$times $((t1 - t0))"
		i=$((i + 1))
	done
	echo $times | median
}
list=$(list_median "$rkt" --dir="$store" image list)
list_json=$(list_median "$rkt" --dir="$store" image list --format=json)
tiny_du=$(du -sb "$store/cas" | cut -f1)
tiny_aci=$(cat "$tiny"/*.aci | wc -c)
tiny_blocks=$(du -s --block-size=1 "$store/cas" | cut -f1)

aci_size=$(stat -c %s "$aci")
tar_size=$(zcat "$aci" | wc -c)
files=$(zcat "$aci" | tar -t | wc -l)

awk -v of="$ours_file" -v oh="$ours_http" -v ig="$igzip_tar" -v zc="$zcat_tar" \
	-v gz="$aci_size" -v tar="$tar_size" -v n="$files" -v runs="$runs" \
	-v tf="$tiny_file" -v th="$tiny_http" -v li="$list" -v lj="$list_json" -v ni="$n_images" \
	-v bdu="$big_du" -v btree="$big_tree" -v tdu="$tiny_du" -v taci="$tiny_aci" \
	-v tblk="$tiny_blocks" '
function s(ns) { return sprintf("%.2f s", ns / 1e9) }
function ms(ns) { return sprintf("%.1f ms", ns / 1e6) }
function mb(b) { return sprintf("%.1f MB", b / 1e6) }
function row(what, t, ok) {
	split(t, a, " ")
	split(zc, z, " ")
	split(ig, g, " ")
	printf "%-40s %8s %8s   %6s %6s   %6s %6s   %s\n", what, s(a[1]), s(a[2]),
		sprintf("%.2fx", a[1] / z[1]), sprintf("%.2fx", a[2] / z[2]),
		sprintf("%.2fx", a[1] / g[1]), sprintf("%.2fx", a[2] / g[2]), ok
}
BEGIN {
	printf "image: %d entries, tar %.1f MB, gzip ACI %.1f MB; median of %d runs\n\n",
		n, tar / 1e6, gz / 1e6, runs
	printf "%-40s %8s %8s   %13s   %13s\n", "", "wall", "cpu", "vs zcat|tar", "vs igzip|tar"
	printf "%-40s %8s %8s   %6s %6s   %6s %6s\n", "operation", "", "", "wall", "cpu", "wall", "cpu"
	split(of, o, " ")
	split(zc, z, " ")
	row("rkt fetch FILE (blob, tree, index, sync)", of,
		"target <= 1.5x zcat (wall): " (o[1] / z[1] <= 1.5 ? "met" : "MISSED"))
	split(oh, h, " ")
	row("rkt fetch http://127.0.0.1/FILE (same)", oh,
		sprintf("%.2fx the file fetch, target <= 1.05x: %s", h[1] / o[1],
			h[1] / o[1] <= 1.05 ? "met" : "MISSED"))
	row("igzip -dc FILE | tar -x", ig, "")
	row("zcat FILE | tar -x", zc, "")
	printf "\n%-44s %10s   %s\n", "rkt image list, " ni " images", ms(li),
		"< 50 ms: " (li < 50e6 ? "met" : "MISSED")
	printf "%-44s %10s\n", "rkt image list --format=json, " ni " images", ms(lj)
	split(tf, f, " ")
	split(th, t, " ")
	printf "%-44s %10s %8s cpu\n", "rkt fetch of the " ni " images, files (one command)",
		s(f[1]), s(f[2])
	printf "%-44s %10s %8s cpu   %.2fx the files\n", "rkt fetch of the " ni " images, http",
		s(t[1]), s(t[2]), t[1] / f[1]
	printf "\ndisk use (du -sb cas/):\n"
	printf "  big image: cas/ %s = %.2fx of its ACI (%s) + its tree (%s)\n",
		mb(bdu), bdu / (gz + btree), mb(gz), mb(btree)
	printf "  %d tiny images: %s (%.0f KB allocated) for %s of ACIs\n", ni, mb(tdu),
		tblk / 1e3, mb(taci)
}'
