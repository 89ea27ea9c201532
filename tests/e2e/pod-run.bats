#!/usr/bin/env bats
# rkt run, prepare and run-prepared with the real stage1: exit statuses, app arguments, the
# environment, and what bad command lines leave behind (nothing).

load pod-helpers

setup_file() {
	pod_setup_file
}

@test "run --exec /bin/echo -- hi prints hi and exits 0" {
	rkrun "$BB_ACI" --exec /bin/echo -- hi
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[ "$output" = hi ]
}

@test "run exits with the app's status" {
	rkrun "$BB_ACI" --exec /bin/sh -- -c 'exit 7'
	[ "$status" -eq 7 ]
}

@test "run without --exec runs the image's exec" {
	rkrun "$BB_ACI"
	[ "$status" -eq 0 ]
	[ "$output" = "hello from busybox" ]
}

@test "app arguments: -- starts and --- ends each image's list" {
	rkrun "$BB_ACI" --name=one --exec /bin/echo -- a b --- "$BB_ACI" --name=two --exec /bin/echo -- c
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *"a b"* ]]
	[[ "$output" == *c* ]]
}

@test "environment precedence: image < --set-env-file < --set-env < --environment" {
	printf 'A=file\nB=file\n# comment\nC=file\n' >env.txt
	rkrun --set-env-file=env.txt --set-env=B=flag --set-env=C=flag "$BB_ACI" \
		--environment=C=app --exec /bin/sh -- -c 'echo "$FROM_IMAGE $A $B $C $AC_APP_NAME"'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "image file flag app busybox" ]
}

@test "--inherit-env passes the host's variables without overriding the image's" {
	FROM_IMAGE=host HOSTVAR=yes rkrun --inherit-env "$BB_ACI" --exec /bin/sh -- -c 'echo "$FROM_IMAGE $HOSTVAR"'
	[ "$status" -eq 0 ]
	[ "$output" = "image yes" ]
}

@test "--working-dir, --user and --group reach the app" {
	rkrun "$BB_ACI" --working-dir=/data --user=0 --group=0 --exec /bin/sh -- -c 'pwd; id -u'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${lines[0]}" = /data ]
	[ "${lines[1]}" = 0 ]
}

@test "a user or group name the image does not know fails in stage0, before a pod exists" {
	rkrun "$BB_ACI" --user=nosuchuser --exec /bin/true
	expect_error "app 'busybox'" 'user "nosuchuser" not found in the image'
	rkprepare "$BB_ACI" --group=nosuchgroup --exec /bin/true
	expect_error "app 'busybox'" 'group "nosuchgroup" not found in the image'
	expect_no_pods
	# names it knows, digits and paths (which may be on a volume) are stage1's
	rkrun "$BB_ACI" --user=root --group=root --exec /bin/sh -- -c 'id -u; id -g'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = $'0\n0' ]
	rkrun "$BB_ACI" --user=1234 --group=/etc/passwd --exec /bin/sh -- -c 'id -u; id -g'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = $'1234\n0' ]
}

@test "host and empty volumes with --mount" {
	mkdir host && echo on-host >host/f
	rkrun --volume=h,kind=host,source="$PWD/host" --volume=e,kind=empty,mode=0700 \
		"$BB_ACI" --mount volume=h,target=/h --mount volume=e,target=/e \
		--exec /bin/sh -- -c 'cat /h/f; echo written >/h/g; stat -c %a /e'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${lines[0]}" = on-host ]
	[ "${lines[1]}" = 700 ]
	[ "$(cat host/g)" = written ]
}

@test "isolator flags reach the app: --oom-score-adj, --caps-retain" {
	rkrun "$BB_ACI" --oom-score-adj=500 --caps-retain=CAP_NET_ADMIN,CAP_KILL \
		--exec /bin/sh -- -c 'cat /proc/self/oom_score_adj; grep CapBnd /proc/self/status'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${lines[0]}" = 500 ]
	[[ "${lines[1]}" == *0000000000001020 ]]
	rkrun "$BB_ACI" --memory=12Qi --exec /bin/true
	[ "$status" -eq 254 ]
	[[ "$stderr" == *12Qi* ]]
	rkrun "$BB_ACI" --seccomp=mode=maybe,read --exec /bin/true
	[ "$status" -eq 254 ]
	# only the pod that ran
	[ "$(find "$D/pods" -mindepth 2 -maxdepth 2 -type d | wc -l)" -eq 1 ]
}

@test "--readonly-rootfs makes the app's root read-only" {
	rkrun "$BB_ACI" --readonly-rootfs --exec /bin/sh -- -c 'touch /x'
	[ "$status" -ne 0 ]
}

@test "--hostname and --hosts-entry" {
	rkrun --hostname=podhost --hosts-entry=10.1.2.3=myhost "$BB_ACI" --exec /bin/sh -- -c 'hostname; grep myhost /etc/hosts'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "${lines[0]}" = podhost ]
	[[ "${lines[1]}" == "10.1.2.3 myhost" ]]
}

@test "--dns writes the pod's resolv.conf" {
	rkrun --dns=192.0.2.53 --dns-search=example.org "$BB_ACI" --exec /bin/cat -- /etc/resolv.conf
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *"nameserver 192.0.2.53"* ]]
	[[ "$output" == *"search example.org"* ]]
}

@test "--no-overlay copies the trees into the pod" {
	rkrun --no-overlay "$BB_ACI" --exec /bin/sh -- -c 'echo x >/data/new; cat /data/kept'
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "from the image" ]
	[ ! -e "$(ls -d "$D"/pods/run/*)/overlay-prepared" ]
}

@test "--uuid-file-save names the pod; cat-manifest shows the reified manifest" {
	rkrun --uuid-file-save=uuid "$BB_ACI" --name=web --exec /bin/true
	[ "$status" -eq 0 ]
	rkt_ok cat-manifest "$(cat uuid)"
	[[ "$output" == *'"name": "web"'* ]]
	[[ "$output" == *'"id": "sha512-'* ]]
	rkt_ok cat-manifest --pretty-print=false --uuid-file=uuid
	[ "${#lines[@]}" -eq 1 ]
}

@test "--pod-manifest runs a hand-written manifest" {
	rkt_ok --insecure-options=image fetch --full "$BB_ACI"
	local id=$output
	cat >pod.json <<JSON
{"acKind":"PodManifest","acVersion":"0.8.11","apps":[{"name":"hand","image":{"id":"$id"},
 "app":{"exec":["/bin/echo","by hand"],"user":"0","group":"0"}}]}
JSON
	rkrun --pod-manifest=pod.json
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "by hand" ]
	# list names the image as upstream does (from the image's manifest), not by its ID
	rkt_ok list --no-legend
	[ "$(cut -f3 <<<"$output")" = example.com/busybox:1.0.0 ] || fail "$output"
}

@test "prepare then run-prepared" {
	rkprepare "$BB_ACI" --exec /bin/sh -- -c 'echo prepared run; exit 3'
	[ "$status" -eq 0 ] || fail "$stderr"
	local uuid=$output
	[ -d "$D/pods/prepared/$uuid" ]
	rkt_ok status "$uuid"
	[ "${lines[0]}" = state=prepared ]
	rkt run-prepared "$uuid"
	[ "$status" -eq 3 ]
	[ "$output" = "prepared run" ]
	rkt run-prepared "$uuid"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"not prepared"* ]]
}

@test "bad flags leave no pod anywhere" {
	rkrun "$BB_ACI" --no-such-flag
	[ "$status" -eq 254 ]
	[[ "$stderr" == "rkt: run: unknown flag '--no-such-flag'" ]]
	rkrun "$BB_ACI" --mount volume=missing,target=/x
	[ "$status" -eq 254 ]
	rkrun --volume=v,kind=bogus "$BB_ACI"
	[ "$status" -eq 254 ]
	rkrun --dns=host,192.0.2.1 "$BB_ACI"
	[ "$status" -eq 254 ]
	rkrun "$BB_ACI" --name=Bad_Name
	[ "$status" -eq 254 ]
	rkrun "$BB_ACI" --name=same --- "$BB_ACI" --name=same
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"used twice"* ]]
	rkrun -- hi
	[ "$status" -eq 254 ]
	rkrun "$T/work/missing.aci"
	[ "$status" -eq 254 ]
	echo '{"acKind":"PodManifest","acVersion":"0.8.11","apps":[{"name":"x"}]}' >bad.json
	rkrun --pod-manifest=bad.json
	[ "$status" -eq 254 ]
	expect_no_pods
}

# build_labelled_aci OUT OS ARCH [ISOLATORS]: busybox with those labels ("" leaves a label
# out) and the app's isolators (a JSON list).
build_labelled_aci() {
	local l labels=()
	l=$(mktemp -d "$BATS_TEST_TMPDIR/layout.XXXXXX")
	mkdir -p "$l/rootfs/bin"
	cp "$BUSYBOX" "$l/rootfs/bin/busybox"
	[ -n "$2" ] && labels+=("{\"name\":\"os\",\"value\":\"$2\"}")
	[ -n "$3" ] && labels+=("{\"name\":\"arch\",\"value\":\"$3\"}")
	cat >"$l/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/labelled",
 "labels":[$(IFS=,; echo "${labels[*]}")],
 "app":{"exec":["/bin/busybox","echo","ran"],"user":"0","group":"0","isolators":${4:-[]}}}
JSON
	"$ACTOOL" build --owner-root "$l" "$1" >/dev/null
}

@test "images for another os or arch are refused before a pod exists (MAN-6)" {
	local other=s390x
	[ "$(arch)" = s390x ] && other=amd64
	build_labelled_aci arch.aci linux "$other"
	rkrun arch.aci
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"image 'example.com/labelled' is for os=linux arch=$other, this host is os=linux arch=$(arch)" ]] ||
		fail "not the whole reason, or a misleading strerror after it: $stderr"
	build_labelled_aci os.aci freebsd amd64
	rkprepare os.aci
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"os=freebsd"* ]] || fail "$stderr"
	rkt_ok list --no-legend
	[ -z "$output" ]
	expect_no_pods
	# no labels: the image does not depend on them
	build_labelled_aci any.aci "" ""
	rkrun any.aci
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = ran ]
}

@test "unknown capabilities and networks fail in stage0, before a pod directory exists" {
	rkrun "$BB_ACI" --caps-retain=CAP_CHOWN,CAP_NO_SUCH
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"unknown capability \"CAP_NO_SUCH\""* ]] || fail "$stderr"
	rkprepare "$BB_ACI" --caps-remove=bogus
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"unknown capability \"bogus\""* ]] || fail "$stderr"
	build_labelled_aci caps.aci linux "$(arch)" \
		'[{"name":"os/linux/capabilities-retain-set","value":{"set":["CAP_NOT_A_CAP"]}}]'
	rkrun caps.aci
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"app 'labelled'"*"CAP_NOT_A_CAP"* ]] || fail "$stderr"
	rkrun --net=nosuchnet "$BB_ACI"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"unknown network 'nosuchnet'"* ]] || fail "$stderr"
	[[ "$stderr" != *"No such file"* ]] || fail "a misleading strerror: $stderr"
	rkrun --net=default,nosuchnet:A=1 "$BB_ACI"
	[ "$status" -eq 254 ]
	rkt_ok list --no-legend
	[ -z "$output" ]
	expect_no_pods
	[ -z "$(ls "$D"/pods/*)" ]
	# run-prepared: the pod stays prepared
	rkprepare "$BB_ACI" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	local uuid=$output
	rkt run-prepared --net=nosuchnet "$uuid"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"unknown network 'nosuchnet'"* ]] || fail "$stderr"
	[ -d "$D/pods/prepared/$uuid" ]
	# the known ones still work
	rkrun --net=none "$BB_ACI" --caps-retain=chown --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
}

@test "a host volume without its source fails in stage0: no pod, one line naming it" {
	rkrun --volume=v,kind=host,source="$T/missing" "$BB_ACI" --mount volume=v,target=/x
	expect_error "volume 'v'" "source '$T/missing'" "No such file or directory"
	rkprepare --volume=v,kind=host,source="$T/missing" "$BB_ACI" --mount volume=v,target=/x
	expect_error "volume 'v'" "source '$T/missing'"
	expect_no_pods
	# a source removed after prepare: run-prepared refuses, the pod stays prepared
	mkdir "$T/src"
	rkprepare --volume=v,kind=host,source="$T/src" "$BB_ACI" --mount volume=v,target=/x \
		--exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	local uuid=$output
	rmdir "$T/src"
	rkt run-prepared "$uuid"
	expect_error "volume 'v'" "source '$T/src'"
	[ -d "$D/pods/prepared/$uuid" ] || fail "the pod left prepared/"
	mkdir "$T/src"
	rkt run-prepared "$uuid"
	[ "$status" -eq 0 ] || fail "$stderr"
}

@test "an image without an app section needs --exec" {
	local l=$BATS_TEST_TMPDIR/noapp
	mkdir -p "$l/rootfs/bin"
	cp "$BUSYBOX" "$l/rootfs/bin/busybox"
	echo '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"example.com/noapp","labels":[{"name":"os","value":"linux"},{"name":"arch","value":"'"$(arch)"'"}]}' >"$l/manifest"
	"$ACTOOL" build --owner-root "$l" noapp.aci
	rkrun noapp.aci
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"--exec is required"* ]]
	rkrun noapp.aci --exec /bin/busybox -- echo ok
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = ok ]
}

@test "without --stage1-*, the build's stage1-default.aci is found; --stage1-from-dir picks fly" {
	local built
	built=$(dirname "$RKT")/../../stage1
	[ -f "$built/stage1-default.aci" ] || fail "no stage1-default.aci in $built (ninja builds it)"
	rkt "${RUNFLAGS[@]}" run "$BB_ACI" --exec /bin/echo -- default
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = default ]
	rkt "${RUNFLAGS[@]}" run --stage1-from-dir=stage1-fly.aci "$BB_ACI" --exec /bin/sh -- -c 'echo fly; exit 9'
	[ "$status" -eq 9 ] || fail "$stderr"
	[ "$output" = fly ]
	rkt "${RUNFLAGS[@]}" run --stage1-from-dir=nope.aci "$BB_ACI"
	[ "$status" -eq 254 ]
	rkt "${RUNFLAGS[@]}" run --stage1-path="$S1_ACI" --stage1-from-dir=stage1-fly.aci "$BB_ACI"
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"mutually exclusive"* ]]
	expect_no_pods_in_run=$(find "$D/pods/prepare" "$D/pods/embryo" -mindepth 1 | wc -l)
	[ "$expect_no_pods_in_run" -eq 0 ]
}

@test "a stage1-default.aci rebuilt in place is used by the next run (not the stale stored one)" {
	local built bin
	built=$(dirname "$RKT")/../../stage1
	bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	cp "$RKT" "$bin/rkt"
	cp "$built/stage1-default.aci" "$bin/stage1-default.aci"
	run --separate-stderr "$bin/rkt" --dir="$D" "${RUNFLAGS[@]}" run "$BB_ACI" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	# an upgrade: another stage1 image at the same path
	"$ACTOOL" patch-manifest --name=example.com/stage1-rebuilt --replace "$bin/stage1-default.aci"
	run --separate-stderr "$bin/rkt" --dir="$D" "${RUNFLAGS[@]}" run "$BB_ACI" --exec /bin/true
	[ "$status" -eq 0 ] || fail "$stderr"
	newest=$(ls -td "$D"/pods/run/*/ | head -n 1)
	grep -q '"name":"example.com/stage1-rebuilt"' "$newest/stage1/manifest" ||
		fail "pod $newest ran the stale stage1: $(cat "$newest/stage1/manifest")"
}

@test "run of stored images loads neither libarchive nor libcrypto; version no store library" {
	fetch_ok "$BB_ACI"
	local img=$output
	fetch_ok "$S1_ACI"
	local s1=$output
	# ld.so names every library it initialises (LD_DEBUG=libs, one file per process).
	LD_DEBUG=libs LD_DEBUG_OUTPUT=$T/ld-run rkt --insecure-options=image run --stage1-hash="$s1" \
		"$img" --exec /bin/echo -- hi
	[ "$status" -eq 0 ] || fail "status $status: $stderr"
	[ "$output" = hi ]
	grep -q "calling init: .*/libc\.so" "$T"/ld-run.* || fail "no LD_DEBUG output"
	run grep -h "calling init: .*/lib\(archive\|crypto\|xml2\|icuuc\)" "$T"/ld-run.*
	[ "$status" -eq 1 ] || fail "loaded: $output"
	LD_DEBUG=libs LD_DEBUG_OUTPUT=$T/ld-version "$RKT" version >/dev/null
	grep -q "calling init: .*/libc\.so" "$T"/ld-version.* || fail "no LD_DEBUG output"
	run grep -h "calling init: .*/lib\(archive\|crypto\|sqlite3\|curl\|rnp\)" "$T"/ld-version.*
	[ "$status" -eq 1 ] || fail "loaded: $output"
}
