#!/usr/bin/env bats
# appc discovery (docs/trust.md, "Discovery"): rkt fetch, run and prepare find images, their
# dependencies and the stage1 by name, and rkt trust --prefix finds keys, through meta tags
# served by local test servers (tests/e2e/helpers/discovery-server.py) for the host rkt.test:
# one over https with the test CA, one over plain http, both on 127.0.0.1 (RKT_TEST_CONNECT_TO
# sends the port-less discovery URLs there). Images are signed by gpg at test time.
# Conformance: DISC-1, DISC-2, DISC-3, DISC-5, DISC-6, DISC-7, DISC-8, DISC-10, DISC-11, DISC-12,
# DISC-13, DISC-14, DISC-15, DISC-17; REN-2 (dependencies by name and labels).

load pod-helpers
load helpers/http
load helpers/pgp

# site HOST PATH TAGS...: the discovery page of HOST/PATH on the https server (W) or, with
# SITE_ROOT set, under that root; each TAG is "NAME PREFIX URL".
site() {
	local host=$1 path=$2 dir tag name rest
	shift 2
	dir=${SITE_ROOT:-$W}/$host/meta/$path
	mkdir -p "$dir"
	{
		echo '<html><head>'
		for tag in "$@"; do
			name=${tag%% *} rest=${tag#* }
			printf '<meta name="%s" content="%s">\n' "$name" "$rest"
		done
		echo '</head></html>'
	} >"$dir/index.html"
}

# put SRC HOST PATH: serves the file SRC (and SRC.asc if there is one) at https://HOST/PATH.
put() {
	local dst=${SITE_ROOT:-$W}/$2/files/$3
	mkdir -p "$(dirname "$dst")"
	cp "$1" "$dst"
	[ ! -f "$1.asc" ] || cp "$1.asc" "$dst.asc"
}

setup_file() {
	pod_setup_file
	export K=$BATS_FILE_TMPDIR/keys W=$BATS_FILE_TMPDIR/www H=$BATS_FILE_TMPDIR/plain
	export A
	A=$(arch)
	mkdir -p "$K" "$W" "$H"
	pgp_setup "$K"
	pgp_genkey alice
	pgp_genkey bob
	local mkaci="python3 $BATS_TEST_DIRNAME/rkt-mkaci.py" tpl
	tpl="https://rkt.test/aci/{name}-{version}-{os}-{arch}.{ext}"

	# rkt.test/app, versions 1.0.0 and latest, signed by alice; alice's key is discoverable
	$mkaci "$K/app-1.aci" --name rkt.test/app --label version=1.0.0 --label os=linux \
		--label arch="$A" --file /v=1
	pgp_sign alice "$K/app-1.aci"
	$mkaci "$K/app-2.aci" --name rkt.test/app --label version=2.0.0 --file /v=2
	pgp_sign alice "$K/app-2.aci"
	site rkt.test app "ac-discovery rkt.test/app $tpl" \
		"ac-discovery-pubkeys rkt.test/app https://rkt.test/keys/alice.asc"
	put "$K/app-1.aci" rkt.test "aci/rkt.test/app-1.0.0-linux-$A.aci"
	put "$K/app-2.aci" rkt.test "aci/rkt.test/app-latest-linux-$A.aci"
	put "$K/alice.asc" rkt.test keys/alice.asc

	# rkt.test/deep/sub/img: the tags are two levels up
	$mkaci "$K/deep.aci" --name rkt.test/deep/sub/img --file /v=deep
	pgp_sign alice "$K/deep.aci"
	site rkt.test deep "ac-discovery rkt.test/deep $tpl"
	put "$K/deep.aci" rkt.test "aci/rkt.test/deep/sub/img-latest-linux-$A.aci"

	# rkt.test/order: a short prefix first, then two templates of the longest, the first
	# of which has nothing
	$mkaci "$K/order.aci" --name rkt.test/order --file /v=order
	pgp_sign alice "$K/order.aci"
	site rkt.test order "ac-discovery rkt.test https://rkt.test/short/{name}.{ext}" \
		"ac-discovery rkt.test/order https://rkt.test/missing/{name}.{ext}" \
		"ac-discovery rkt.test/order https://rkt.test/found/{name}.{ext}"
	put "$K/order.aci" rkt.test found/rkt.test/order.aci
	put "$K/order.aci" rkt.test short/rkt.test/order.aci

	# rkt.test/moved: its discovery page redirects to localhost (https)
	$mkaci "$K/moved.aci" --name rkt.test/moved --file /v=moved
	pgp_sign alice "$K/moved.aci"
	echo "/moved?ac-discovery=1 https://localhost/elsewhere?ac-discovery=1" >>"$W/rkt.test/redirects"
	site localhost elsewhere "ac-discovery rkt.test/moved https://localhost/{name}.{ext}"
	put "$K/moved.aci" localhost rkt.test/moved.aci

	# rkt.test/plain: only the http server knows it; rkt.test/down redirects https -> http
	$mkaci "$K/plain.aci" --name rkt.test/plain --file /v=plain
	pgp_sign alice "$K/plain.aci"
	$mkaci "$K/down.aci" --name rkt.test/down --file /v=down
	pgp_sign alice "$K/down.aci"
	SITE_ROOT=$H site rkt.test plain "ac-discovery rkt.test/plain http://rkt.test/{name}.{ext}"
	SITE_ROOT=$H put "$K/plain.aci" rkt.test rkt.test/plain.aci
	echo "/down?ac-discovery=1 http://rkt.test/down?ac-discovery=1" >>"$W/rkt.test/redirects"
	SITE_ROOT=$H site rkt.test down "ac-discovery rkt.test/down http://rkt.test/{name}.{ext}"
	SITE_ROOT=$H put "$K/down.aci" rkt.test rkt.test/down.aci

	# rkt.test/tampered: other bytes under a good signature
	$mkaci "$K/tampered.aci" --name rkt.test/tampered --file /v=1
	$mkaci "$K/tampered-orig.aci" --name rkt.test/tampered --file /v=2
	pgp_sign alice "$K/tampered-orig.aci"
	cp "$K/tampered-orig.aci.asc" "$K/tampered.aci.asc"
	site rkt.test tampered "ac-discovery rkt.test/tampered https://rkt.test/{name}.{ext}"
	put "$K/tampered.aci" rkt.test rkt.test/tampered.aci
	# rkt.test/impostor: discovered, signed, but the image is called something else
	$mkaci "$K/impostor.aci" --name rkt.test/app --file /v=impostor
	pgp_sign alice "$K/impostor.aci"
	site rkt.test impostor "ac-discovery rkt.test/impostor https://rkt.test/{name}.{ext}"
	put "$K/impostor.aci" rkt.test rkt.test/impostor.aci

	# rkt.test/runner depends on rkt.test/base (busybox) version 1.0.0, both discoverable
	build_busybox_aci "$K/base.aci" rkt.test/base
	pgp_sign alice "$K/base.aci"
	$mkaci "$K/runner0.aci" --name rkt.test/runner --dep rkt.test/base,version=1.0.0 \
		--file /msg=from-runner
	"$ACTOOL" patch-manifest --user=0 --group=0 --exec="/bin/cat /msg /data/kept" "$K/runner0.aci" \
		"$K/runner.aci" >/dev/null
	pgp_sign alice "$K/runner.aci"
	site rkt.test base "ac-discovery rkt.test/base $tpl"
	site rkt.test runner "ac-discovery rkt.test/runner $tpl"
	put "$K/base.aci" rkt.test "aci/rkt.test/base-1.0.0-linux-$A.aci"
	put "$K/runner.aci" rkt.test "aci/rkt.test/runner-latest-linux-$A.aci"

	# rkt.test/stage1: the test's stage1 under a discoverable name
	"$ACTOOL" patch-manifest --name=rkt.test/stage1 "$S1_ACI" "$K/stage1.aci" >/dev/null
	pgp_sign alice "$K/stage1.aci"
	site rkt.test stage1 "ac-discovery rkt.test/stage1 $tpl"
	put "$K/stage1.aci" rkt.test "aci/rkt.test/stage1-0.1.0-linux-$A.aci"

	# rkt.test/keys/...: only keys (bob's for rkt.test/bobs)
	site rkt.test bobs "ac-discovery-pubkeys rkt.test/bobs https://rkt.test/keys/bob.asc"
	put "$K/bob.asc" rkt.test keys/bob.asc

	export CERTS=$BATS_FILE_TMPDIR/certs LOG=$BATS_FILE_TMPDIR/requests.log
	mkdir -p "$CERTS"
	http_make_certs "$CERTS"
	HTTP_SERVER=discovery-server.py http_start TLS "$W" --cert "$CERTS/server.crt" \
		--key "$CERTS/server.key" --log "$LOG"
	HTTP_SERVER=discovery-server.py http_start PLAIN "$H" --log "$LOG"
	export TLS_PORT TLS_PID PLAIN_PORT PLAIN_PID
}

teardown_file() {
	http_stop TLS
	http_stop PLAIN
	pgp_teardown
}

setup() {
	pod_setup
	CFG=(--system-config="$T/sys" --local-config="$T/local")
	export RKT_TEST_CAFILE="$CERTS/ca.crt"
	export RKT_TEST_CONNECT_TO="rkt.test:443:127.0.0.1:$TLS_PORT,localhost:443:127.0.0.1:$TLS_PORT,rkt.test:80:127.0.0.1:$PLAIN_PORT"
	# Only rkt-test-env honours them (docs/trust.md).
	RKT_PROD=$RKT RKT=${RKT_TEST_ENV_BIN:?}
	"$RKT" "${CFG[@]}" trust --prefix=rkt.test --skip-fingerprint-review "$K/alice.asc" \
		>/dev/null
	: >"$LOG"
}

# rkt with the test's keystore
rk() {
	rkt "${CFG[@]}" "$@"
}

rk_ok() {
	rk "$@"
	[ "$status" -eq 0 ] || fail "rkt $* failed with $status: $stderr"
}

# the requests the servers saw, without the authorization field
requests() {
	sed 's/ authorization=.*//' "$LOG"
}

# FILE of the stored image ID
file_of() {
	rk_ok image extract --rootfs-only --overwrite "$1" "$T/x"
	cat "$T/x/$2"
}

expect_no_images() {
	rk_ok image list --no-legend
	[ -z "$output" ] || fail "images left: $output"
}

@test "fetch by name: latest without a version, the version's image with one, the signer printed" {
	rk_ok fetch --full rkt.test/app
	[[ "$stderr" == *"signature verified:"*"alice <alice@example.com>"* ]] || fail "$stderr"
	[ "$(file_of "$output" v)" = 2 ]
	grep -qx "https rkt.test /app?ac-discovery=1" <(requests)
	grep -qx "https rkt.test /aci/rkt.test/app-latest-linux-$A.aci.asc" <(requests)
	grep -qx "https rkt.test /aci/rkt.test/app-latest-linux-$A.aci" <(requests)
	rk_ok fetch --full rkt.test/app:1.0.0
	[ "$(file_of "$output" v)" = 1 ]
	grep -qx "https rkt.test /aci/rkt.test/app-1.0.0-linux-$A.aci" <(requests)
	# labels given as name=value too, os and arch spelled out
	rk_ok fetch --full "rkt.test/app,version=1.0.0,os=linux,arch=$A"
	[ "$(file_of "$output" v)" = 1 ]
}

@test "pull policies: new and never use the store, update discovers again" {
	rk_ok fetch rkt.test/app:1.0.0
	local id=$output
	: >"$LOG"
	rk_ok fetch --pull-policy=new rkt.test/app:1.0.0
	[ "$output" = "$id" ]
	rk_ok fetch --pull-policy=never rkt.test/app:1.0.0
	[ "$output" = "$id" ]
	[ ! -s "$LOG" ] || fail "requests: $(cat "$LOG")"
	# without a version, the image fetched as latest is the one found
	rk_ok fetch rkt.test/app
	local latest=$output
	: >"$LOG"
	rk_ok fetch --pull-policy=never rkt.test/app
	[ "$output" = "$latest" ]
	rk_ok fetch --pull-policy=update rkt.test/app:1.0.0
	[ "$output" = "$id" ]
	grep -qx "https rkt.test /app?ac-discovery=1" <(requests)
	# never with a name not in the store: refused without a request
	: >"$LOG"
	rk fetch --pull-policy=never rkt.test/deep/sub/img
	expect_error "image 'rkt.test/deep/sub/img': no image named" "in the store"
	[ ! -s "$LOG" ]
}

@test "the walk goes up the name's path and stops at the first level with tags" {
	rk_ok fetch --full rkt.test/deep/sub/img
	[ "$(file_of "$output" v)" = deep ]
	[ "$(grep ac-discovery <(requests))" = "https rkt.test /deep/sub/img?ac-discovery=1
https rkt.test /deep/sub?ac-discovery=1
https rkt.test /deep?ac-discovery=1" ] || fail "$(requests)"
}

@test "templates: the longest prefix first, then in document order until one works" {
	rk_ok fetch --full rkt.test/order
	[ "$(file_of "$output" v)" = order ]
	[ "$(grep -v ac-discovery <(requests))" = "https rkt.test /missing/rkt.test/order.aci.asc
https rkt.test /found/rkt.test/order.aci.asc
https rkt.test /found/rkt.test/order.aci" ] || fail "$(requests)"
}

@test "redirects: to another https host followed, from https to http refused unless allowed" {
	rk_ok fetch --full rkt.test/moved
	[ "$(file_of "$output" v)" = moved ]
	grep -qx "https localhost /elsewhere?ac-discovery=1" <(requests)
	: >"$LOG"
	rk fetch rkt.test/down
	expect_error "discovery of 'rkt.test/down'" "plain http is not allowed"
	! grep -q "^http " "$LOG" || fail "$(requests)"
	rk_ok image list --no-legend --fields=name
	[ "$output" = rkt.test/moved ]
	rk_ok --insecure-options=http fetch --full rkt.test/down
	[ "$(file_of "$output" v)" = down ]
	grep -qx "http rkt.test /down?ac-discovery=1" <(requests)
}

@test "http discovery only with --insecure-options=http" {
	rk fetch rkt.test/plain
	expect_error "discovery of 'rkt.test/plain'"
	[ "$status" -eq 254 ]
	! grep -q "^http " "$LOG" || fail "$(requests)"
	: >"$LOG"
	rk_ok --insecure-options=http fetch --full rkt.test/plain
	[ "$(file_of "$output" v)" = plain ]
	[ "$(requests)" = "https rkt.test /plain?ac-discovery=1
http rkt.test /plain?ac-discovery=1
http rkt.test /rkt.test/plain.aci.asc
http rkt.test /rkt.test/plain.aci" ] || fail "$(requests)"
}

@test "auth.d headers go with the discovery page, the signature and the image of their domain" {
	mkdir -p "$T/local/auth.d"
	printf '{"rktKind":"auth","rktVersion":"v1","domains":["rkt.test"],"type":"basic","credentials":{"user":"foo","password":"bar"}}\n' >"$T/local/auth.d/a.json"
	printf '{"rktKind":"auth","rktVersion":"v1","domains":["localhost"],"type":"oauth","credentials":{"token":"tok"}}\n' >"$T/local/auth.d/b.json"
	rk_ok fetch rkt.test/app:1.0.0
	[ "$(cat "$LOG")" = "https rkt.test /app?ac-discovery=1 authorization=Basic Zm9vOmJhcg==
https rkt.test /aci/rkt.test/app-1.0.0-linux-$A.aci.asc authorization=Basic Zm9vOmJhcg==
https rkt.test /aci/rkt.test/app-1.0.0-linux-$A.aci authorization=Basic Zm9vOmJhcg==" ] ||
		fail "$(cat "$LOG")"
	: >"$LOG"
	# the redirect to localhost drops rkt.test's header; localhost's own is sent there
	rk_ok fetch rkt.test/moved
	[ "$(cat "$LOG")" = "https rkt.test /moved?ac-discovery=1 authorization=Basic Zm9vOmJhcg==
https localhost /elsewhere?ac-discovery=1 authorization=
https localhost /rkt.test/moved.aci.asc authorization=Bearer tok
https localhost /rkt.test/moved.aci authorization=Bearer tok" ] || fail "$(cat "$LOG")"
	: >"$LOG"
	# never over plain http
	rk_ok --insecure-options=http fetch rkt.test/plain
	! grep "^http " "$LOG" | grep -v "authorization=$" || fail "$(cat "$LOG")"
}

@test "a bad signature or another image's name is refused, leaving nothing in the store" {
	rk fetch rkt.test/tampered
	expect_error "rkt.test/tampered"
	expect_no_images
	rk fetch rkt.test/impostor
	expect_error "rkt.test/impostor" "called 'rkt.test/app', not 'rkt.test/impostor'"
	expect_no_images
	# with --insecure-options=image the name is checked all the same
	rk --insecure-options=image fetch rkt.test/impostor
	expect_error "called 'rkt.test/app', not 'rkt.test/impostor'"
	expect_no_images
	# a label asked for must be the image's
	rk fetch rkt.test/app:1.0.0,os=freebsd
	expect_error "rkt.test/app"
	expect_no_images
}

@test "a version or platform that is not there: the trust hint names the prefix, not the labels" {
	rk fetch rkt.test/app:9.9.9
	expect_error "no signature 'https://rkt.test/aci/rkt.test/app-9.9.9-linux-$A.aci.asc'" \
		"'rkt trust --prefix=rkt.test/app KEY'"
	rk fetch rkt.test/app,arch=s390x
	expect_error "'rkt trust --prefix=rkt.test/app KEY'"
	expect_no_images
}

@test "a name that discovers nothing: one line naming it, exit 254" {
	rk fetch rkt.test/nothing/here
	expect_error "discovery of 'rkt.test/nothing/here': no ac-discovery meta tag found for it at any level"
	# the three discovery pages and nothing else: no URL guessed from the name (DISC-16)
	[ "$(requests)" = "https rkt.test /nothing/here?ac-discovery=1
https rkt.test /nothing?ac-discovery=1
https rkt.test /?ac-discovery=1" ] || fail "$(requests)"
	rk run rkt.test/nothing/here
	[ "$status" -eq 254 ]
	[[ "${stderr_lines[-1]}" == "rkt: "*"discovery of 'rkt.test/nothing/here'"* ]] || fail "$stderr"
	expect_no_pods
}

@test "run: the image and its dependency are discovered by name" {
	rk_ok run rkt.test/runner
	[[ "$output" == *"from-runner"*"from the image"* ]] || fail "$output"
	grep -qx "https rkt.test /base?ac-discovery=1" <(requests)
	grep -qx "https rkt.test /aci/rkt.test/base-1.0.0-linux-$A.aci" <(requests)
	rk_ok image list --no-legend --fields=name
	[ "$(sort <<<"$output")" = "$(printf 'coreos.com/rkt/stage1-default:0.1.0\nrkt.test/base:1.0.0\nrkt.test/runner')" ] ||
		fail "$output"
}

@test "prepare: an image by name and the stage1 by --stage1-name" {
	rk_ok prepare --quiet --stage1-name=rkt.test/stage1:0.1.0 rkt.test/runner
	grep -qx "https rkt.test /stage1?ac-discovery=1" <(requests)
	grep -qx "https rkt.test /aci/rkt.test/stage1-0.1.0-linux-$A.aci" <(requests)
	rk_ok image list --no-legend --fields=name
	[ "$(sort <<<"$output")" = "$(printf 'rkt.test/base:1.0.0\nrkt.test/runner\nrkt.test/stage1:0.1.0')" ] ||
		fail "$output"
	: >"$LOG"
	# in the store now: not discovered again
	rk_ok prepare --quiet --stage1-name=rkt.test/stage1:0.1.0 rkt.test/runner
	[ ! -s "$LOG" ] || fail "$(cat "$LOG")"
}

@test "trust --prefix without a key: the discovered key, reviewed or not" {
	local keys=$T/local/trustedkeys/prefix.d/rkt.test/bobs fpr
	fpr=$(cat "$K/bob.fpr")
	rk trust --prefix=rkt.test/bobs --skip-fingerprint-review
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "Added key for prefix \"rkt.test/bobs\" at \"$keys/$fpr\"" ]
	[ -f "$keys/$fpr" ]
	grep -qx "https rkt.test /keys/bob.asc" <(requests)
	rm -r "$keys"
	# the review: fingerprint shown, a piped "no" refuses, "yes" accepts
	run --separate-stderr bash -c 'echo no | "$0" "$@"' "$RKT" "${CFG[@]}" trust \
		--prefix=rkt.test/bobs
	[ "$status" -eq 254 ] || fail "$stderr"
	[[ "$stderr" == *'Key: "https://rkt.test/keys/bob.asc"'*"GPG key fingerprint is: "* ]] ||
		fail "$stderr"
	[ ! -e "$keys/$fpr" ]
	run --separate-stderr bash -c 'echo yes | "$0" "$@"' "$RKT" "${CFG[@]}" trust \
		--prefix=rkt.test/bobs
	[ "$status" -eq 0 ] || fail "$stderr"
	[ -f "$keys/$fpr" ]
	# a prefix without key tags
	rk trust --prefix=rkt.test/nothing
	expect_error "discovery of 'rkt.test/nothing'"
}

# --trust-keys-from-https (upstream's, deprecated there): a name with no key trusted for it gets
# the keys of its ac-discovery-pubkeys over https, trusted for the name without review.
@test "--trust-keys-from-https: the discovered key is trusted for the name, then the image fetched" {
	local C=(--system-config="$T/sys2" --local-config="$T/local2") fpr
	local keys=$T/local2/trustedkeys/prefix.d/rkt.test/app
	fpr=$(cat "$K/alice.fpr")
	# without it: no key, the usual advice, and no key fetched
	rkt "${C[@]}" fetch rkt.test/app
	expect_error "no keys are trusted for 'rkt.test/app'" "rkt trust --prefix=rkt.test/app"
	! grep -q "/keys/alice.asc" <(requests)
	expect_no_images
	rkt "${C[@]}" --trust-keys-from-https fetch --full rkt.test/app
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${stderr_lines[0]}" = "rkt: Trusting \"https://rkt.test/keys/alice.asc\" for prefix \"rkt.test/app\" without fingerprint review." ] ||
		fail "$stderr"
	[ "${stderr_lines[1]}" = "rkt: Added key for prefix \"rkt.test/app\" at \"$keys/$fpr\" (fingerprint $fpr, alice <alice@example.com>)" ] ||
		fail "$stderr"
	[[ "$stderr" == *"signature verified:"*"alice <alice@example.com>"* ]] || fail "$stderr"
	[ -f "$keys/$fpr" ]
	[ "$(file_of "$output" v)" = 2 ]
	grep -qx "https rkt.test /keys/alice.asc" <(requests)
	# keys exist for the name now (and for rkt.test in the usual keystore): none is fetched
	: >"$LOG"
	rkt "${C[@]}" --trust-keys-from-https fetch rkt.test/app:1.0.0
	[ "$status" -eq 0 ] || fail "$stderr"
	rk --trust-keys-from-https fetch rkt.test/app:1.0.0
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$stderr" != *Trusting* ]] || fail "$stderr"
	! grep -q "/keys/" <(requests)
	# a name whose discovery has no key: told, and the fetch fails as without the flag
	rkt "${C[@]}" --trust-keys-from-https fetch rkt.test/deep/sub/img
	[ "$status" -eq 254 ] || fail "$stderr"
	[[ "${stderr_lines[0]}" == "rkt: error determining key location: "*"rkt.test/deep/sub/img"* ]] || fail "$stderr"
	[[ "${stderr_lines[1]}" == "rkt: fetch: "*"no keys are trusted for 'rkt.test/deep/sub/img'"* ]] || fail "$stderr"
}

@test "rkt as built and installed ignores RKT_TEST_CONNECT_TO and RKT_TEST_CAFILE" {
	run --separate-stderr "$RKT_PROD" --dir="$D" "${CFG[@]}" fetch rkt.test/app:1.0.0
	[ "$status" -eq 254 ] || fail "$status: $stderr"
	[[ "$stderr" == "rkt: fetch: image 'rkt.test/app:1.0.0': discovery of 'rkt.test/app': no ac-discovery meta tag found"* ]] ||
		fail "$stderr"
	[ ! -s "$LOG" ] || fail "the test server was reached: $(cat "$LOG")"
}
