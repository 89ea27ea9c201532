# Container images for the oci-fetch and docker-fetch suites, made with umoci and skopeo
# (docs/store.md, "Container images"): $L/img:v1 has three layers (busybox and files; a
# deletion, which umoci writes as a whiteout, and a new file; an opaque directory), an entrypoint,
# cmd, env, user, working directory, port and volume; $L/img:v2 adds one layer to v1. Also
# $L/oa/img.tar (oci-archive) and $L/da/img.tar (docker-archive) of v1.

# tar_layer OUT NAME=CONTENT|NAME/ ...: an uncompressed layer tar (owner root, mtime 0).
tar_layer() {
	python3 - "$@" <<'PY'
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
with tarfile.open(out, "w") as t:
    for s in specs:
        ti = tarfile.TarInfo(s.split("=", 1)[0].rstrip("/"))
        if s.endswith("/"):
            ti.type, ti.mode = tarfile.DIRTYPE, 0o755
            t.addfile(ti)
        else:
            data = s.split("=", 1)[1].encode() + b"\n"
            ti.size, ti.mode = len(data), 0o644
            t.addfile(ti, io.BytesIO(data))
PY
}

oci_build_images() {
	L=$BATS_FILE_TMPDIR/oci
	local B=$BATS_FILE_TMPDIR/bundle a
	mkdir -p "$L"
	umoci init --layout "$L/img"
	umoci new --image "$L/img:v1"
	# Layer 1: busybox, a file to delete, a directory to make opaque.
	umoci unpack --rootless --image "$L/img:v1" "$B" >/dev/null
	mkdir -p "$B/rootfs/bin" "$B/rootfs/etc/opq" "$B/rootfs/data" "$B/rootfs/tmp"
	cp "$BUSYBOX" "$B/rootfs/bin/busybox"
	for a in sh echo cat ls id pwd env test; do ln -s busybox "$B/rootfs/bin/$a"; done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$B/rootfs/etc/passwd"
	echo gone >"$B/rootfs/etc/gone"
	echo old >"$B/rootfs/etc/opq/old"
	echo keep >"$B/rootfs/data/keep"
	umoci repack --image "$L/img:v1" "$B" >/dev/null
	rm -rf "$B"
	# Layer 2: a deletion (umoci writes the whiteout) and a new file.
	umoci unpack --rootless --image "$L/img:v1" "$B" >/dev/null
	rm "$B/rootfs/etc/gone"
	echo two >"$B/rootfs/data/two"
	umoci repack --image "$L/img:v1" "$B" >/dev/null
	rm -rf "$B"
	# Layer 3: an opaque directory, the marker after the layer's own entry.
	tar_layer "$BATS_FILE_TMPDIR/l3.tar" etc/opq/ etc/opq/new=new etc/opq/.wh..wh..opq=
	umoci raw add-layer --image "$L/img:v1" "$BATS_FILE_TMPDIR/l3.tar"
	umoci config --image "$L/img:v1" --config.entrypoint /bin/sh --config.cmd -c \
		--config.cmd 'echo "$FOO $(id -u):$(id -g) $(pwd)"; cat /data/two /etc/opq/new' \
		--config.env FOO=bar --config.env PATH=/bin --config.workingdir /data \
		--config.user 1000:1001 --config.exposedports 80/tcp --config.volume /vol
	# v2: the same base plus one layer.
	tar_layer "$BATS_FILE_TMPDIR/l4.tar" extra=extra
	umoci raw add-layer --image "$L/img:v1" --tag v2 "$BATS_FILE_TMPDIR/l4.tar"
	mkdir -p "$L/oa" "$L/da"
	skopeo copy -q oci:"$L/img:v1" oci-archive:"$L/oa/img.tar:v1"
	skopeo copy -q oci:"$L/img:v1" docker-archive:"$L/da/img.tar:img:v1"
	export L
}


# registry_start VAR DIR [--htpasswd FILE] [--plain]: Debian's docker-registry (the
# Distribution registry) on 127.0.0.1 at a port it picks, with TLS from $CERTS (the test CA)
# unless --plain, storing in DIR/data. Sets VAR_PORT and VAR_PID; every log line (the access log
# included) goes to DIR/log. Readiness: its "listening on" line, read from a FIFO with a timeout.
registry_start() {
	local var=$1 dir=$2 htpasswd="" plain="" fifo fd line port="" pid
	shift 2
	while [ $# -gt 0 ]; do
		case $1 in
		--htpasswd) htpasswd=$2; shift 2 ;;
		--plain) plain=1; shift ;;
		*) return 1 ;;
		esac
	done
	mkdir -p "$dir/data"
	{
		printf 'version: 0.1\nlog:\n  level: info\n  accesslog:\n    disabled: false\n'
		printf 'storage:\n  filesystem:\n    rootdirectory: %s/data\n' "$dir"
		printf 'http:\n  addr: 127.0.0.1:0\n'
		[ -n "$plain" ] || printf '  tls:\n    certificate: %s\n    key: %s\n' \
			"$CERTS/server.crt" "$CERTS/server.key"
		[ -z "$htpasswd" ] || printf 'auth:\n  htpasswd:\n    realm: rkt-test\n    path: %s\n' "$htpasswd"
	} >"$dir/config.yml"
	fifo=$dir/log.fifo
	mkfifo "$fifo"
	docker-registry serve "$dir/config.yml" >"$fifo" 2>&1 3>&- &
	pid=$!
	exec {fd}<"$fifo"
	while read -r -t 30 -u "$fd" line; do
		printf '%s\n' "$line" >>"$dir/log"
		case $line in
		*"listening on 127.0.0.1:"*)
			port=${line#*listening on 127.0.0.1:}
			port=${port%%[!0-9]*}
			break
			;;
		esac
	done
	# Keeps reading, so that the registry never blocks on its log; ends when it exits.
	cat <&"$fd" >>"$dir/log" 3>&- &
	exec {fd}<&-
	printf -v "${var}_PID" '%s' "$pid"
	printf -v "${var}_PORT" '%s' "$port"
	[ -n "$port" ] || { echo "registry_start: no port" >&2; return 1; }
}

registry_stop() {
	local pidvar="${1}_PID"
	local pid=${!pidvar:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
