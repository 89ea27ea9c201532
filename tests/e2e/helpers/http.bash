# HTTP(S) test servers for the bats suites: a test CA and server certificate made with openssl,
# and tests/e2e/helpers/http-server.py started in the background with a FIFO handshake.
#
#   http_make_certs DIR        DIR/ca.crt, DIR/server.{crt,key} for 127.0.0.1, localhost, rkt.test
#                              and registry-1.docker.io (Docker Hub, reached with RKT_TEST_CONNECT_TO)
#   http_start VAR ROOT [ARGS] starts a server on ROOT; sets VAR_PORT and VAR_PID
#                              (HTTP_SERVER names another server script of this directory)
#   http_stop VAR              kills that server by its PID and reaps it
#   https_start_logged ROOT    certificates and an https server on ROOT logging to $LOG; sets
#                              CERTS, LOG, TLS_PORT and TLS_PID (stop it with http_stop TLS)

HTTP_HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

http_make_certs() {
	local d=$1
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=rkt test CA" \
		-keyout "$d/ca.key" -out "$d/ca.crt" 2>/dev/null
	openssl req -newkey rsa:2048 -nodes -subj "/CN=rkt.test" \
		-keyout "$d/server.key" -out "$d/server.csr" 2>/dev/null
	printf 'subjectAltName=DNS:rkt.test,DNS:localhost,DNS:registry-1.docker.io,IP:127.0.0.1\n' >"$d/san.ext"
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -days 2 -extfile "$d/san.ext" -out "$d/server.crt" 2>/dev/null
}

# The server writes its port into a FIFO once it listens: reading it is the readiness check,
# bounded by read's timeout (the FIFO is opened read-write so that opening never blocks).
http_start() {
	local var=$1 root=$2 fifo fd port
	shift 2
	fifo=$(mktemp -u "$BATS_FILE_TMPDIR/port.XXXXXX")
	mkfifo "$fifo"
	python3 "$HTTP_HELPERS_DIR/${HTTP_SERVER:-http-server.py}" --root "$root" --port-file "$fifo" "$@" \
		3>&- &
	printf -v "${var}_PID" '%s' "$!"
	exec {fd}<>"$fifo"
	if ! read -r -t 30 -u "$fd" port; then
		exec {fd}<&-
		echo "http_start: server did not start" >&2
		return 1
	fi
	exec {fd}<&-
	rm -f "$fifo"
	printf -v "${var}_PORT" '%s' "$port"
}

http_stop() {
	local pidvar="${1}_PID"
	local pid=${!pidvar:-}
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

https_start_logged() {
	export CERTS=$BATS_FILE_TMPDIR/certs LOG=$BATS_FILE_TMPDIR/requests.log
	mkdir -p "$CERTS"
	http_make_certs "$CERTS"
	http_start TLS "$1" --cert "$CERTS/server.crt" --key "$CERTS/server.key" --log "$LOG"
	export TLS_PORT TLS_PID
}
