#!/bin/bash
# The metadata service under load: requests per second and p50/p99 latency of GET /pod/uuid and
# GET /pod/manifest with 64 concurrent keep-alive clients on 127.0.0.1 (bench/mds-load.c, built
# here with cc), and the service's resident memory idle, with 1,000 pods registered, and after
# they are unregistered. One run; root (the service wants it).
#   bench/mds.sh RKT_TEST_ENV [SECONDS]
# RKT_TEST_ENV: build/cli/rkt/rkt-test-env (its RKT_TEST_MDS_* hooks keep the service on
# 127.0.0.1 and a private socket).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
BIN=${1:?usage: bench/mds.sh RKT_TEST_ENV [SECONDS]}
SECS=${2:-5}
need cc "gcc"
need python3 "python3"
HERE=$(cd "$(dirname "$0")" && pwd)
CLIENT="python3 $HERE/../tests/e2e/helpers/mds-client.py"
W=$(mktemp -d)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
cc -O2 -Wall -Werror -pthread -o "$W/load" "$HERE/mds-load.c"
mkfifo "$W/ready"
exec 7<>"$W/ready"
RKT_TEST_MDS_SOCKET=$W/mds.sock RKT_TEST_MDS_ADDRESS=127.0.0.1 \
	"$BIN" metadata-service --listen-port=0 >"$W/ready" 2>"$W/log" &
PID=$!
read -r -t 30 line <&7 || die "the service did not start: $(cat "$W/log")"
PORT=${line##*127.0.0.1:}
PORT=${PORT%%,*}
rss() { awk '/^VmRSS:/ { print $2 " kB" }' "/proc/$PID/status"; }
echo "idle: VmRSS $(rss)"

U=6f8b1d42-0d0f-4c43-9d9c-3c5b8b7e0a01 T=0123456789abcdef0123456789abcdef
ID=sha512-$(printf 'ab%.0s' $(seq 64))
printf '{"acKind":"PodManifest","acVersion":"0.8.11","apps":[{"name":"web","image":{"name":"example.com/web","id":"%s"}}],"annotations":[{"name":"a","value":"b"}]}' "$ID" >"$W/pod.json"
printf '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/web"}' >"$W/web.json"
$CLIENT register "$W/mds.sock" "$U" "$T" "$W/pod.json" web="$W/web.json"
for p in pod/uuid pod/manifest apps/web/annotations; do
	out=$("$W/load" "$PORT" "/$T/acMetadata/v1/$p" 64 "$SECS")
	echo "GET /$p, 64 clients, ${SECS}s: $out"
done
echo "after load: VmRSS $(rss)"

# 1,000 pods registered at once, then all unregistered
python3 -c "
import sys, uuid, importlib.machinery
c = importlib.machinery.SourceFileLoader('c', '$HERE/../tests/e2e/helpers/mds-client.py').load_module()
sock = '$W/mds.sock'
pm = c.pod_manifest(['app']).encode()
im = c.image_manifest('example.com/app', [{'name': 'a', 'value': 'x' * 200}]).encode()
us = [str(uuid.uuid4()) for _ in range(1000)]
for i, u in enumerate(us):
    assert c.reg_request(sock, 'PUT', '/pods/%s?token=b%d' % (u, i), pm)[0] == 200
    assert c.reg_request(sock, 'PUT', '/pods/%s/app' % u, im)[0] == 200
open('$W/uuids', 'w').write('\n'.join(us))
"
echo "1,000 pods registered: VmRSS $(rss)"
python3 -c "
import importlib.machinery
c = importlib.machinery.SourceFileLoader('c', '$HERE/../tests/e2e/helpers/mds-client.py').load_module()
for u in open('$W/uuids').read().split():
    assert c.reg_request('$W/mds.sock', 'DELETE', '/pods/' + u)[0] == 200
"
echo "all unregistered: VmRSS $(rss)"
