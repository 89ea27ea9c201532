#!/usr/bin/env bats
# The configuration directories (docs/config.md) as run and fetch use them: paths.d "data" and
# "stage1-images", the default stage1 of stage1.d, and the Authorization headers of auth.d sent
# to an https test server on 127.0.0.1 (tests/e2e/helpers/http-server.py logs them). Every rkt
# here gets temporary --system-config, --local-config and --user-config directories.

load pod-helpers
load helpers/http

setup_file() {
	pod_setup_file
	export CERTS="$BATS_FILE_TMPDIR/certs" ROOT="$BATS_FILE_TMPDIR/root"
	mkdir -p "$CERTS" "$ROOT"
	http_make_certs "$CERTS"
	cp "$BB_ACI" "$ROOT/bb.aci"
	export LOG="$BATS_FILE_TMPDIR/requests.log"
	: >"$LOG"
	http_start TLS "$ROOT" --cert "$CERTS/server.crt" --key "$CERTS/server.key" --log "$LOG"
	http_start PLAIN "$ROOT" --log "$LOG"
	export TLS_PORT TLS_PID PLAIN_PORT PLAIN_PID
	BUILT_S1=$(cd "$(dirname "$RKT")/../../stage1" && pwd)
	export BUILT_S1
}

teardown_file() {
	http_stop TLS
	http_stop PLAIN
}

setup() {
	T=$BATS_TEST_TMPDIR
	STORE=$T/data
	D=$STORE
	SYS=$T/sys LOCAL=$T/local USER_CFG=$T/user
	mkdir -p "$T/work" "$SYS" "$LOCAL" "$USER_CFG"
	cd "$T/work"
	export RKT_TEST_RESOLVE="rkt.test:$TLS_PORT:127.0.0.1,rkt.test:$PLAIN_PORT:127.0.0.1"
	# Only rkt-test-env honours them (docs/trust.md).
	RKT_PROD=$RKT RKT=${RKT_TEST_ENV_BIN:?}
	export RKT_TEST_CAFILE="$CERTS/ca.crt"
	BASE=https://rkt.test:$TLS_PORT
	PLAIN=http://rkt.test:$PLAIN_PORT
}

# rkt with the test's configuration directories and no --dir (paths.d decides, see below).
rkc() {
	run --separate-stderr "$RKT" --system-config="$SYS" --local-config="$LOCAL" \
		--user-config="$USER_CFG" "$@"
}

rkc_ok() {
	rkc "$@"
	[ "$status" -eq 0 ] || fail "rkt $* failed with $status: $stderr"
}

# conf DIR SUBDIR NAME JSON-FIELDS: writes DIR/SUBDIR/NAME.json with rktKind for SUBDIR.
conf() {
	local kind
	case $2 in
	auth.d) kind=auth ;;
	paths.d) kind=paths ;;
	stage1.d) kind=stage1 ;;
	esac
	mkdir -p "$1/$2"
	printf '{"rktKind":"%s","rktVersion":"v1",%s}\n' "$kind" "$4" >"$1/$2/$3.json"
}

# The data directory in effect must be $1 before rkt is let loose without --dir: a regression
# must not write to the machine's /var/lib/rkt.
expect_data_dir() {
	rkc_ok config --pretty-print=false
	[[ "$output" == *'"rktKind":"paths","data":"'"$1"'"'* ]] ||
		fail "data directory is not $1: $output"
}

# The stage1 manifest name of the newest pod under $D.
newest_pod_stage1() {
	local p
	p=$(ls -td "$D"/pods/*/*/ | head -n 1)
	jq -r .name "$p/stage1/manifest"
}

# The requests logged since line $1, one per line.
requests_since() {
	tail -n +"$(($1 + 1))" "$LOG"
}

# ---- paths.d ----

@test "paths.d data is the data directory of fetch, image list and run; later directories and --dir win" {
	conf "$SYS" paths.d p '"data":"/nonexistent/sys-data"'
	conf "$LOCAL" paths.d p '"data":"'"$D"'"'
	expect_data_dir "$D"
	rkc_ok --insecure-options=image fetch "$BB_ACI"
	[ -d "$D/cas" ] || fail "no store in $D"
	rkc_ok image list --no-legend --fields=name
	[[ "$output" == example.com/busybox* ]] || fail "$output"
	rkc --insecure-options=image run --stage1-path="$S1_ACI" "$BB_ACI" --exec /bin/echo -- hi
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = hi ]
	[ "$(ls "$D/pods/run" | wc -l)" -eq 1 ] || fail "the pod is not under $D"
	rkc_ok list --no-legend
	[ "${#lines[@]}" -eq 1 ]
	# --dir beats paths.d
	rkc_ok --dir="$T/other" image list --no-legend
	[ -z "$output" ]
	# the user directory beats the local one
	conf "$USER_CFG" paths.d p '"data":"'"$T/user-data"'"'
	expect_data_dir "$T/user-data"
	rkc_ok --insecure-options=image fetch "$BB_ACI"
	[ -d "$T/user-data/cas" ] || fail "no store in the user directory's data dir"
}

@test "without --user-config, ~/.config/rkt is the user directory" {
	mkdir -p "$T/home/.config/rkt"
	conf "$T/home/.config/rkt" paths.d p '"data":"'"$T/home-data"'"'
	HOME=$T/home run --separate-stderr "$RKT" --system-config="$SYS" --local-config="$LOCAL" \
		config --pretty-print=false
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *'"data":"'"$T/home-data"'"'* ]] || fail "$output"
	HOME=$T/home run --separate-stderr "$RKT" --system-config="$SYS" --local-config="$LOCAL" \
		--user-config= config --pretty-print=false
	[[ "$output" == *'"data":"/var/lib/rkt"'* ]] || fail "$output"
}

@test "a broken configuration file fails run and fetch with 254, naming the file; version works" {
	conf "$LOCAL" paths.d p '"data":"relative/dir"'
	rkc --insecure-options=image fetch "$BB_ACI"
	expect_error "$LOCAL/paths.d/p.json" "'relative/dir' is not an absolute path"
	rkc --insecure-options=image run --stage1-path="$S1_ACI" "$BB_ACI"
	expect_error "$LOCAL/paths.d/p.json"
	rkc_ok version
}

@test "paths.d stage1-images is where --stage1-from-dir looks" {
	conf "$LOCAL" paths.d p '"data":"'"$D"'","stage1-images":"'"$T/images"'"'
	mkdir -p "$T/images"
	cp "$BUILT_S1/stage1-fly.aci" "$T/images/my-fly.aci"
	expect_data_dir "$D"
	rkc --insecure-options=image run --stage1-from-dir=my-fly.aci "$BB_ACI" --exec /bin/echo -- fly
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = fly ]
	[ "$(newest_pod_stage1)" = coreos.com/rkt/stage1-fly ]
	rkc --insecure-options=image run --stage1-from-dir=stage1-fly.aci "$BB_ACI"
	expect_error "stage1-fly.aci" "$T/images"
}

# ---- stage1.d ----

@test "stage1.d location is the default stage1; the local directory beats the system one; flags win" {
	conf "$LOCAL" paths.d p '"data":"'"$D"'"'
	mkdir -p "$T/s1"
	cp "$BUILT_S1/stage1-fly.aci" "$T/s1/fly.aci"
	conf "$SYS" stage1.d s '"location":"/nonexistent/stage1.aci"'
	conf "$LOCAL" stage1.d s '"location":"'"$T/s1/fly.aci"'"'
	expect_data_dir "$D"
	rkc --insecure-options=image run "$BB_ACI" --exec /bin/echo -- fly
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = fly ]
	[ "$(newest_pod_stage1)" = coreos.com/rkt/stage1-fly ]
	rkc --insecure-options=image run --stage1-path="$S1_ACI" "$BB_ACI" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(newest_pod_stage1)" = coreos.com/rkt/stage1-default ]
	rkc --insecure-options=image run --stage1-from-dir=stage1-default.aci "$BB_ACI" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(newest_pod_stage1)" = coreos.com/rkt/stage1-default ]
}

@test "stage1.d name and version are looked up in the store before the location" {
	conf "$LOCAL" paths.d p '"data":"'"$D"'"'
	"$ACTOOL" patch-manifest --name=example.com/my-stage1 "$BUILT_S1/stage1-fly.aci" "$T/my.aci"
	expect_data_dir "$D"
	rkc_ok --insecure-options=image fetch "$T/my.aci"
	conf "$LOCAL" stage1.d s '"name":"example.com/my-stage1","version":"0.1.0","location":"/nonexistent/s1.aci"'
	rkc run "$BB_ACI" --insecure-options=image --exec /bin/echo -- mine
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = mine ]
	[ "$(newest_pod_stage1)" = example.com/my-stage1 ]
	# a name the store does not have: the location, which is missing
	conf "$LOCAL" stage1.d s '"name":"example.com/other","version":"1","location":"/nonexistent/s1.aci"'
	rkc run "$BB_ACI" --insecure-options=image --exec /bin/true
	expect_error "/nonexistent/s1.aci"
	[ -z "$(find "$D/pods" -mindepth 2 -maxdepth 2 ! -path "$D/pods/run/*")" ] ||
		fail "pod left behind: $(find "$D/pods")"
}

# ---- auth.d ----

@test "auth.d: fetch and run send the configured header to the https host; local beats system" {
	conf "$SYS" auth.d a '"domains":["rkt.test:'"$TLS_PORT"'"],"type":"oauth","credentials":{"token":"sys-token"}'
	conf "$LOCAL" paths.d p '"data":"'"$D"'"'
	local n
	n=$(wc -l <"$LOG")
	expect_data_dir "$D"
	rkc_ok --insecure-options=image fetch "$BASE/files/bb.aci"
	[ "$(requests_since "$n")" = "GET /files/bb.aci if-none-match= range= if-range= host=rkt.test:$TLS_PORT authorization=Bearer sys-token" ] ||
		fail "$(requests_since "$n")"
	conf "$LOCAL" auth.d b '"domains":["rkt.test:'"$TLS_PORT"'"],"type":"basic","credentials":{"user":"foo","password":"bar"}'
	n=$(wc -l <"$LOG")
	# the signature is fetched first: it gets the header too
	rkc fetch "$BASE/nocache/bb.aci"
	[ "$status" -eq 254 ]
	[ "$(requests_since "$n")" = "GET /nocache/bb.aci.asc if-none-match= range= if-range= host=rkt.test:$TLS_PORT authorization=Basic Zm9vOmJhcg==" ] ||
		fail "$(requests_since "$n")"
	n=$(wc -l <"$LOG")
	rkc --insecure-options=image run --stage1-path="$S1_ACI" "$BASE/nocache/bb.aci" --exec /bin/echo -- ok
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = ok ]
	[ "$(requests_since "$n")" = "GET /nocache/bb.aci if-none-match= range= if-range= host=rkt.test:$TLS_PORT authorization=Basic Zm9vOmJhcg==" ] ||
		fail "$(requests_since "$n")"
}

@test "auth.d: no header to another host or port, over plain http, or after a redirect to another host" {
	conf "$LOCAL" auth.d a '"domains":["rkt.test:'"$TLS_PORT"'","rkt.test:'"$PLAIN_PORT"'"],"type":"oauth","credentials":{"token":"secret"}'
	conf "$LOCAL" paths.d p '"data":"'"$D"'"'
	local n
	expect_data_dir "$D"
	# the same server under its IP address is another host
	n=$(wc -l <"$LOG")
	rkc_ok --insecure-options=image fetch "https://127.0.0.1:$TLS_PORT/files/bb.aci"
	[ "$(requests_since "$n")" = "GET /files/bb.aci if-none-match= range= if-range=" ] ||
		fail "$(requests_since "$n")"
	# plain http, even to a configured host:port
	n=$(wc -l <"$LOG")
	rkc_ok --insecure-options=image,http fetch "$PLAIN/nocache/bb.aci"
	[ "$(requests_since "$n")" = "GET /nocache/bb.aci if-none-match= range= if-range=" ] ||
		fail "$(requests_since "$n")"
	# a redirect to another host: the first request has the header, the second not
	n=$(wc -l <"$LOG")
	rkc_ok --insecure-options=image fetch --no-store \
		"$BASE/redirect?to=https://127.0.0.1:$TLS_PORT/nocache/bb.aci"
	[ "$(requests_since "$n" | wc -l)" -eq 2 ] || fail "$(requests_since "$n")"
	[[ "$(requests_since "$n" | head -n 1)" == "GET /redirect?"*" authorization=Bearer secret" ]] ||
		fail "$(requests_since "$n")"
	[ "$(requests_since "$n" | tail -n 1)" = "GET /nocache/bb.aci if-none-match= range= if-range=" ] ||
		fail "the redirect target got the credentials: $(requests_since "$n")"
	# a redirect on the same host keeps it
	n=$(wc -l <"$LOG")
	rkc_ok --insecure-options=image fetch --no-store "$BASE/redirect?to=/nocache/bb.aci"
	[[ "$(requests_since "$n" | tail -n 1)" == "GET /nocache/bb.aci "*" authorization=Bearer secret" ]] ||
		fail "$(requests_since "$n")"
}

@test "rkt config shows the merged auth, paths and stage1 entries" {
	conf "$SYS" auth.d a '"domains":["a.test","b.test"],"type":"oauth","credentials":{"token":"t"}'
	conf "$LOCAL" auth.d b '"domains":["b.test"],"type":"basic","credentials":{"user":"u","password":"p"}'
	conf "$LOCAL" stage1.d s '"location":"https://example.com/s1.aci"'
	local images
	rkc_ok config --pretty-print=false
	images=$(sed -n 's/.*"stage1-images":"\([^"]*\)".*/\1/p' <<<"$output")
	[[ "$images" == /*/rkt/stage1-images ]] || fail "$output"
	rkc_ok --dir=/d config --pretty-print=false
	[ "$output" = '{"stage0":[{"rktVersion":"v1","rktKind":"auth","domains":["a.test"],"type":"oauth","credentials":{"token":"t"}},{"rktVersion":"v1","rktKind":"auth","domains":["b.test"],"type":"basic","credentials":{"user":"u","password":"p"}},{"rktVersion":"v1","rktKind":"paths","data":"/d","stage1-images":"'"$images"'"},{"rktVersion":"v1","rktKind":"stage1","location":"https://example.com/s1.aci"}]}' ] ||
		fail "$output"
}
