#!/usr/bin/env bats
# rkt run and prepare check image signatures (ACI-12) as rkt fetch does (FILE.asc, URL.asc, the
# per-app --signature, --insecure-options=image), trust the stage1 of rkt's own directories, follow
# --pull-policy (and --store-only/--no-store), and notice a rebuilt image file. Keys and
# signatures are made by gpg at test time; the keystore is the test's own (--system-config,
# --local-config).

load pod-helpers
load helpers/http
load helpers/pgp

setup_file() {
	pod_setup_file
	export K=$BATS_FILE_TMPDIR/keys
	mkdir -p "$K"
	pgp_setup "$K"
	pgp_genkey alice
	pgp_genkey bob
	# signed.aci: busybox signed by alice; bob.aci: the same bytes signed by bob.
	cp "$BB_ACI" "$K/signed.aci"
	pgp_sign alice "$K/signed.aci"
	cp "$BB_ACI" "$K/bob.aci"
	pgp_sign bob "$K/bob.aci"
	# a stage1 outside rkt's directories, signed by alice
	cp "$S1_ACI" "$K/stage1.aci"
	pgp_sign alice "$K/stage1.aci"
	https_start_logged "$K"
}

teardown_file() {
	http_stop TLS
	pgp_teardown
}

setup() {
	pod_setup
	CFG=(--system-config="$T/sys" --local-config="$T/local")
	export RKT_TEST_RESOLVE="rkt.test:$TLS_PORT:127.0.0.1" RKT_TEST_CAFILE="$CERTS/ca.crt"
	# Only rkt-test-env honours them (docs/trust.md).
	RKT_PROD=$RKT RKT=${RKT_TEST_ENV_BIN:?}
	BASE=https://rkt.test:$TLS_PORT/nocache
	BUILT_STAGE1=$(dirname "$RKT")/../../stage1/stage1-default.aci
}

# trust NAME PREFIX: the key of NAME for images under PREFIX, in the test's keystore.
trust() {
	"$RKT" "${CFG[@]}" trust --prefix="$2" --skip-fingerprint-review "$K/$1.asc" >/dev/null
}

# srun ARGS: rkt run with the test's keystore, the default stage1 and no insecure options.
srun() {
	rkt "${CFG[@]}" run "$@"
}

sprepare() {
	rkt "${CFG[@]}" prepare --quiet "$@"
}

# the pod directories in every state
pods() {
	find "$D/pods" -mindepth 2 -maxdepth 2 2>/dev/null | sort
}

# what exists before a command that must be refused (exited pods keep their stage1 mount)
snap() {
	PODS_BEFORE=$(pods)
	MOUNTS_BEFORE=$(mounts_below | sort)
}

# The last command failed with 254, its error (the last line on stderr, the only one starting
# with "rkt: ") naming each argument, and left no pod and no mount: what exists is what snap
# saw (nothing if the test did not call it).
expect_refused() {
	[ "$status" -eq 254 ] || fail "status $status, expected 254: $stderr"
	local last=${stderr_lines[-1]} s
	[[ "$last" == "rkt: "* ]] || fail "the last line is not the error:" "$stderr"
	[ "$(grep -c '^rkt: ' <<<"$stderr")" -eq 1 ] || fail "more than one error:" "$stderr"
	for s in "$@"; do
		[[ "$last" == *"$s"* ]] || fail "the error lacks '$s': $last"
	done
	[ "$(pods)" = "${PODS_BEFORE:-}" ] || fail "pods before:" "${PODS_BEFORE:-}" "after:" "$(pods)"
	[ "$(mounts_below | sort)" = "${MOUNTS_BEFORE:-}" ] || fail "mounts left:" "$(mounts_below)"
}

@test "an unsigned image is refused by run and prepare with the trust hint" {
	trust alice example.com/busybox
	cp "$BB_ACI" unsigned.aci
	srun unsigned.aci --exec /bin/true
	expect_refused "no signature 'unsigned.aci.asc'" "example.com/busybox" \
		"rkt trust --prefix=example.com/busybox" "--insecure-options=image"
	sprepare unsigned.aci --exec /bin/true
	expect_refused "no signature" "rkt trust" "--insecure-options=image"
	rkt_ok list --no-legend
	[ -z "$output" ] || fail "pods listed: $output"
	# nothing entered the store
	rkt_ok image list --no-legend
	[ -z "$output" ]
	# --insecure-options=image runs it
	rkt "${CFG[@]}" --insecure-options=image run unsigned.aci --exec /bin/echo -- insecure
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = insecure ]
}

@test "a signed image by a trusted key runs without --insecure-options, default stage1" {
	trust alice example.com/busybox
	cp "$K/signed.aci" "$K/signed.aci.asc" .
	srun signed.aci --exec /bin/echo -- signed
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = signed ]
	[[ "$stderr" == *"signature verified:"*"alice <alice@example.com>"* ]] ||
		fail "no signer on stderr: $stderr"
	sprepare signed.aci --exec /bin/echo -- prepared
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt run-prepared "$output"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = prepared ]
}

@test "an untrusted signer or a key for another prefix is refused with the hint" {
	trust alice example.com/busybox
	cp "$K/bob.aci" "$K/bob.aci.asc" .
	srun bob.aci --exec /bin/true
	expect_refused "not trusted for 'example.com/busybox'" \
		"rkt trust --prefix=example.com/busybox"
	rm -rf "$T/local"
	trust alice example.com/other
	cp "$K/signed.aci" "$K/signed.aci.asc" .
	srun signed.aci --exec /bin/true
	expect_refused "no keys are trusted for 'example.com/busybox'" "rkt trust"
}

@test "a tampered image is refused" {
	trust alice example.com/busybox
	build_busybox_aci tampered.aci
	cp "$K/signed.aci.asc" tampered.aci.asc
	cmp -s tampered.aci "$K/signed.aci" && fail "the rebuilt image has the same bytes"
	srun tampered.aci --exec /bin/true
	expect_refused "bad signature"
}

@test "the per-app --signature names the signature of that image only" {
	trust alice example.com/busybox
	cp "$BB_ACI" a.aci
	cp "$K/bob.aci" "$K/bob.aci.asc" .
	srun a.aci --signature="$K/signed.aci.asc" --exec /bin/echo -- a
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = a ]
	# a good signature next to the image does not help when --signature names a bad one
	cp "$K/signed.aci" "$K/signed.aci.asc" .
	snap
	srun signed.aci --signature="$K/bob.aci.asc" --exec /bin/true
	expect_refused "not trusted for 'example.com/busybox'"
	# the flag belongs to the image before it: the second image has no signature
	build_busybox_aci two.aci example.com/busybox-two
	srun signed.aci --name=one --exec /bin/true --- two.aci --signature="$K/signed.aci.asc" \
		--name=two --exec /bin/true
	expect_refused "'two.aci'" "example.com/busybox-two"
}

@test "an https image: URL.asc is checked, the signature first" {
	trust alice example.com/busybox
	srun "$BASE/bob.aci" --exec /bin/true
	expect_refused "$BASE/bob.aci.asc" "not trusted for 'example.com/busybox'"
	srun "$BASE/signed.aci" --exec /bin/echo -- from-https
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = from-https ]
	grep -q "GET /nocache/signed.aci.asc " "$LOG"
}

@test "images in the store by ID or name run without a signature, as upstream" {
	rkt_ok --insecure-options=image fetch --full "$BB_ACI"
	local id=$output
	srun "$id" --exec /bin/echo -- by-id
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = by-id ]
	srun example.com/busybox:1.0.0 --exec /bin/echo -- by-name
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = by-name ]
}

@test "an unchanged file stored with --insecure-options=image still needs its signature" {
	cp "$BB_ACI" unsigned.aci
	rkt_ok "${CFG[@]}" --insecure-options=image fetch unsigned.aci
	srun unsigned.aci --exec /bin/true
	expect_refused "no signature" "--insecure-options=image"
}

@test "stage1: rkt's own stage1 is trusted, also by --stage1-path; another one is checked" {
	trust alice example.com/busybox
	cp "$K/signed.aci" "$K/signed.aci.asc" .
	srun --stage1-path="$BUILT_STAGE1" signed.aci --exec /bin/echo -- own
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = own ]
	srun --stage1-from-dir=stage1-default.aci signed.aci --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	# a stage1 elsewhere needs a signature by a key trusted for its name
	cp "$S1_ACI" other-stage1.aci
	snap
	srun --stage1-path=other-stage1.aci signed.aci --exec /bin/true
	expect_refused "stage1" "no signature" "coreos.com/rkt/stage1-default"
	srun --stage1-path="$K/stage1.aci" signed.aci --exec /bin/true
	expect_refused "stage1" "no keys are trusted for 'coreos.com/rkt/stage1-default'"
	trust alice coreos.com/rkt
	srun --stage1-path="$K/stage1.aci" signed.aci --exec /bin/echo -- signed-stage1
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = signed-stage1 ]
	# --insecure-options=image skips the check for the stage1 too
	rkt "${CFG[@]}" --insecure-options=image run --stage1-path=other-stage1.aci signed.aci \
		--exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
}

# rebuild_app OUT WORD: a busybox image whose exec prints WORD.
rebuild_app() {
	local l
	l=$(mktemp -d "$T/layout.XXXXXX")
	mkdir -p "$l/rootfs/bin"
	cp "$BUSYBOX" "$l/rootfs/bin/busybox"
	ln -s busybox "$l/rootfs/bin/echo"
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/rebuilt",
 "labels":[{"name":"os","value":"linux"},{"name":"arch","value":"$(arch)"}],
 "app":{"exec":["/bin/echo","$2"],"user":"0","group":"0"}}
JSON
	"$ACTOOL" build --overwrite --owner-root "$l" "$1" >/dev/null
}

@test "run FILE.aci runs the file as it is now, not what the store kept of it" {
	rebuild_app app.aci first
	rkrun app.aci
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = first ]
	rebuild_app app.aci second
	rkrun app.aci
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = second ]
	rkrun --pull-policy=never app.aci
	[ "$output" = second ]
	# an unchanged file is not imported again
	rkt_ok image list --format=json
	local before=$output
	rkprepare app.aci
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt_ok image list --format=json
	[ "$(jq '[.[] | select(.name == "example.com/rebuilt")] | length' <<<"$output")" -eq 2 ]
	[ "$(jq '[.[].import_time]' <<<"$before")" = "$(jq '[.[].import_time]' <<<"$output")" ]
}

@test "--pull-policy on run and prepare: never, new, update; --store-only, --no-store" {
	local n
	n=$(wc -l <"$LOG")
	rkrun --pull-policy=never "$BASE/signed.aci" --exec /bin/true
	expect_refused "$BASE/signed.aci" "not in the store"
	rkrun --store-only "$BASE/signed.aci" --exec /bin/true
	expect_refused "not in the store"
	rkprepare --pull-policy=never "$BASE/signed.aci" --exec /bin/true
	expect_refused "not in the store"
	[ "$(wc -l <"$LOG")" -eq "$n" ] || fail "requests were made"
	# new (the default) downloads once, then uses the store
	rkrun "$BASE/signed.aci" --exec /bin/echo -- new
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = new ]
	n=$(wc -l <"$LOG")
	rkrun --pull-policy=new "$BASE/signed.aci" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	rkrun --pull-policy=never "$BASE/signed.aci" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(wc -l <"$LOG")" -eq "$n" ] || fail "requests were made"
	# update asks the server again (conditional GET)
	rkrun --pull-policy=update "$BASE/signed.aci" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(wc -l <"$LOG")" -eq $((n + 1)) ]
	[[ "$(tail -n 1 "$LOG")" == "GET /nocache/signed.aci if-none-match="* ]]
	rkprepare --no-store "$BASE/signed.aci" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(wc -l <"$LOG")" -eq $((n + 2)) ]
	# names: never looks in the store only
	snap
	rkrun --pull-policy=never example.com/nothere --exec /bin/true
	expect_refused "example.com/nothere"
	rkrun --pull-policy=bogus "$BB_ACI"
	expect_refused "--pull-policy" "bogus"
	rkrun --store-only --no-store "$BB_ACI"
	expect_refused "both --store-only and --no-store"
}
