#!/usr/bin/env bats
# docker:// images from Debian's docker-registry (the Distribution registry) on 127.0.0.1 with
# TLS from the test CA: anonymous, behind htpasswd (basic auth with auth.d dockerAuth
# credentials), and plain http. Images are made with umoci (helpers/oci-images.bash) and pushed
# with skopeo. The registry's access log counts the blob requests: a second image on the same
# base transfers only its new layer. Only rkt-test-env honours RKT_TEST_CAFILE (docs/trust.md).

load pod-helpers
load helpers/http
load helpers/oci-images

setup_file() {
	pod_setup_file
	oci_build_images
	export CERTS=$BATS_FILE_TMPDIR/certs
	mkdir -p "$CERTS/skopeo"
	http_make_certs "$CERTS"
	cp "$CERTS/ca.crt" "$CERTS/skopeo/ca.crt"
	python3 -W ignore -c 'import crypt,sys; print("rktuser:" + crypt.crypt("s3cret", crypt.mksalt(crypt.METHOD_BLOWFISH)))' \
		>"$BATS_FILE_TMPDIR/htpasswd"
	registry_start ANON "$BATS_FILE_TMPDIR/anon"
	registry_start AUTH "$BATS_FILE_TMPDIR/auth" --htpasswd "$BATS_FILE_TMPDIR/htpasswd"
	registry_start PLAIN "$BATS_FILE_TMPDIR/plain" --plain
	export ANON_PORT ANON_PID AUTH_PORT AUTH_PID PLAIN_PORT PLAIN_PID
	local t
	for t in v1 v2; do
		skopeo copy -q --dest-cert-dir "$CERTS/skopeo" oci:"$L/img:$t" \
			docker://127.0.0.1:$ANON_PORT/test/img:$t
		skopeo copy -q --dest-cert-dir "$CERTS/skopeo" --dest-creds rktuser:s3cret \
			oci:"$L/img:$t" docker://127.0.0.1:$AUTH_PORT/test/img:$t
	done
	skopeo copy -q --dest-tls-verify=false oci:"$L/img:v1" docker://127.0.0.1:$PLAIN_PORT/test/img:v1
	# Docker Hub's names, served by ANON as registry-1.docker.io (RKT_TEST_CONNECT_TO)
	skopeo copy -q --dest-cert-dir "$CERTS/skopeo" oci:"$L/img:v1" \
		docker://127.0.0.1:$ANON_PORT/library/busybox:latest
	# The layer digests of v1 and v2, bottom first.
	jq -r '.layers[].digest' "$L/img/blobs/sha256/$(jq -r '.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]=="v1").digest[7:]' "$L/img/index.json")" >"$BATS_FILE_TMPDIR/v1.layers"
	jq -r '.layers[].digest' "$L/img/blobs/sha256/$(jq -r '.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]=="v2").digest[7:]' "$L/img/index.json")" >"$BATS_FILE_TMPDIR/v2.layers"
}

teardown_file() {
	registry_stop ANON
	registry_stop AUTH
	registry_stop PLAIN
}

setup() {
	pod_setup
	export RKT_TEST_CAFILE=$CERTS/ca.crt
	RKT=${RKT_TEST_ENV_BIN:?}
	R=(--dir="$STORE" --insecure-options=image)
	CFG=$T/cfg
	mkdir -p "$CFG/auth.d"
}

# blob_gets DIR DIGEST: how many GETs of blob DIGEST the registry's log shows.
blob_gets() {
	grep -c "\"GET /v2/test/img/blobs/$2 HTTP" "$1/log" || true
}

@test "docker:// from a TLS registry: the image maps like docker2aci's, layers are transferred once" {
	local d=$BATS_FILE_TMPDIR/anon l before
	rkt "${R[@]}" fetch --full docker://127.0.0.1:$ANON_PORT/test/img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
	id=$output
	# Upstream's line per layer.
	[ "$(grep -c '^Downloading sha256:' <<<"$stderr")" -eq 3 ] || fail "$stderr"
	rkt "${R[@]}" image cat-manifest "$id"
	m=$output
	[ "$(jq -r .name <<<"$m")" = "127.0.0.1-$ANON_PORT/test/img" ]
	[ "$(jq -r '.labels[]|select(.name=="version").value' <<<"$m")" = v1 ]
	[ "$(jq -r '.annotations[]|select(.name=="appc.io/docker/registryurl").value' <<<"$m")" = "127.0.0.1:$ANON_PORT" ]
	[ "$(jq -r '.annotations[]|select(.name=="appc.io/docker/repository").value' <<<"$m")" = test/img ]
	[ "$(jq -c '.app.ports[0].name' <<<"$m")" = '"80-tcp"' ]
	rkt "${R[@]}" image list --no-legend --fields=origin
	[ "$output" = "docker://127.0.0.1:$ANON_PORT/test/img:v1" ]
	for l in $(cat "$BATS_FILE_TMPDIR/v1.layers"); do
		[ "$(blob_gets "$d" "$l")" -ge 1 ] || fail "$l not fetched"
	done
	# v2 shares v1's three layers: only its own is transferred and stored.
	before=$(grep -c '"GET /v2/test/img/blobs/' "$d/log")
	declare -A seen=()
	for l in $(cat "$BATS_FILE_TMPDIR/v1.layers"); do seen[$l]=$(blob_gets "$d" "$l"); done
	rkt "${R[@]}" fetch docker://127.0.0.1:$ANON_PORT/test/img:v2
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(grep -c '^Downloading sha256:' <<<"$stderr")" -eq 1 ] || fail "$stderr"
	for l in $(cat "$BATS_FILE_TMPDIR/v1.layers"); do
		[ "$(blob_gets "$d" "$l")" -eq "${seen[$l]}" ] || fail "$l fetched again"
	done
	new=$(tail -n1 "$BATS_FILE_TMPDIR/v2.layers")
	[ "$(blob_gets "$d" "$new")" -ge 1 ]
	# The config and the new layer.
	[ $(($(grep -c '"GET /v2/test/img/blobs/' "$d/log") - before)) -eq 2 ]
	[ "$(find "$STORE/cas/blob/sha256" -type f | wc -l)" -eq 4 ]
}

# run_v1 IMAGE: the v1 image runs with its exec, env, user, group, working directory and files.
run_v1() {
	rkrun "$1"
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "bar 1000:1001 /data
two
new" ] || fail "$output"
}

@test "rkt run docker:// runs the image with its exec, env, user, group, working directory and files" {
	run_v1 docker://127.0.0.1:$ANON_PORT/test/img:v1
}

@test "docker:// and oci: of the same image give the same tree" {
	rkt "${R[@]}" fetch --full docker://127.0.0.1:$ANON_PORT/test/img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
	a=$output
	rkt "${R[@]}" fetch --full oci:"$L/img:v1"
	[ "$status" -eq 0 ] || fail "$stderr"
	b=$output
	diff <(cd "$STORE/cas/tree/$a/rootfs" && find . -printf '%p %y %m %s %l\n' | sort) \
		<(cd "$STORE/cas/tree/$b/rootfs" && find . -printf '%p %y %m %s %l\n' | sort)
}

@test "docker:// needs --insecure-options=image" {
	rkt --dir="$STORE" fetch docker://127.0.0.1:$ANON_PORT/test/img:v1
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"--insecure-options=image"* ]]
}

@test "a registry behind htpasswd: refused without credentials, fetched with auth.d dockerAuth" {
	rkt "${R[@]}" fetch docker://127.0.0.1:$AUTH_PORT/test/img:v1
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"wants a user and password"* ]] || fail "$stderr"
	cat >"$CFG/auth.d/reg.json" <<JSON
{"rktKind":"dockerAuth","rktVersion":"v1","registries":["127.0.0.1:$AUTH_PORT"],
 "credentials":{"user":"rktuser","password":"wrong"}}
JSON
	rkt "${R[@]}" --user-config="$CFG" fetch docker://127.0.0.1:$AUTH_PORT/test/img:v1
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"401"* ]] || fail "$stderr"
	sed -i 's/"wrong"/"s3cret"/' "$CFG/auth.d/reg.json"
	rkt "${R[@]}" --user-config="$CFG" fetch docker://127.0.0.1:$AUTH_PORT/test/img:v2
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(find "$STORE/cas/blob/sha256" -type f | wc -l)" -eq 4 ]
}

@test "a plain-http registry needs --insecure-options=http" {
	rkt "${R[@]}" fetch docker://127.0.0.1:$PLAIN_PORT/test/img:v1
	expect_error "'docker://127.0.0.1:$PLAIN_PORT/test/img:v1'" \
		"(a plain-http registry needs --insecure-options=http,"
	store_empty
	rkt --dir="$STORE" --insecure-options=image,http fetch docker://127.0.0.1:$PLAIN_PORT/test/img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
}

# NAME@DIGEST names one manifest forever: an image of that manifest in the store (fetched by
# tag or by digest) is used without asking the registry, as for a tag under --pull-policy=new.
@test "prepare (as run) takes an image named by @DIGEST from the store" {
	local p=127.0.0.1:$ANON_PORT n
	rkt "${R[@]}" fetch --full docker://$p/test/img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" image cat-manifest "$output"
	dg=$(jq -r '.annotations[]|select(.name=="appc.io/docker/manifesthash").value' <<<"$output")
	n=$(grep -c '"GET /v2/' "$BATS_FILE_TMPDIR/anon/log")
	rkt "${R[@]}" prepare --quiet --pull-policy=never --stage1-path="$S1_ACI" docker://$p/test/img@$dg
	[ "$status" -eq 0 ] || fail "$stderr"
	rkt "${R[@]}" prepare --quiet --stage1-path="$S1_ACI" docker://$p/test/img@$dg
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(grep -c '"GET /v2/' "$BATS_FILE_TMPDIR/anon/log")" -eq "$n" ] || fail "the registry was asked"
	rkt "${R[@]}" prepare --quiet --pull-policy=never --stage1-path="$S1_ACI" \
		docker://$p/test/img@sha256:$(printf '1%.0s' {1..64})
	expect_error "not in the store"
}

@test "an unknown tag is an error naming the image" {
	rkt "${R[@]}" fetch docker://127.0.0.1:$ANON_PORT/test/img:nope
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"docker://127.0.0.1:$ANON_PORT/test/img:nope"* ]] || fail "$stderr"
}

# Docker Hub defaults as upstream: registry-1.docker.io, "library/" for one-component names, tag
# "latest"; docker.io and index.docker.io name the same registry. ANON answers for it here.
@test "docker://busybox is registry-1.docker.io/library/busybox:latest, however it is written" {
	local ref ids=()
	export RKT_TEST_CONNECT_TO="registry-1.docker.io:443:127.0.0.1:$ANON_PORT"
	for ref in docker://busybox docker:busybox docker://busybox:latest docker://library/busybox \
		docker://docker.io/busybox docker://index.docker.io/library/busybox:latest \
		docker://registry-1.docker.io/library/busybox; do
		rkt "${R[@]}" fetch --full "$ref"
		[ "$status" -eq 0 ] || fail "$ref: $stderr"
		ids+=("$output")
	done
	[ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" -eq 1 ] || fail "${ids[*]}"
	rkt "${R[@]}" image list --no-legend --fields=name,origin
	[ "$output" = "registry-1.docker.io/library/busybox:latest	docker://registry-1.docker.io/library/busybox:latest" ] ||
		fail "$output"
	rkt "${R[@]}" image cat-manifest "${ids[0]}"
	[ "$(jq -r '.annotations[]|select(.name=="appc.io/docker/registryurl").value' <<<"$output")" = registry-1.docker.io ]
	[ "$(jq -r '.annotations[]|select(.name=="appc.io/docker/repository").value' <<<"$output")" = library/busybox ]
	grep -q '"GET /v2/library/busybox/manifests/latest HTTP' "$BATS_FILE_TMPDIR/anon/log"
}

# A reference that is not one: one line naming it, exit 254, nothing in the store and no pod,
# from fetch, run and prepare alike; nothing goes to a registry with a tag that is not a tag.
@test "bad docker:// references are refused in one line before anything is fetched" {
	local ref cmd p=127.0.0.1:$ANON_PORT
	for ref in "docker://$p/test/img:v1?x=1" "docker://$p/test/img:v1#f" "docker://$p/test/img:a/b" \
		"docker://$p/test/img:v1 x" "docker://$p/test/img:-v1" "docker://$p/Test/img:v1" \
		"docker://$p/test/img:" "docker://$p/" docker:// docker: "docker://$p/test/img@sha256:12"; do
		for cmd in fetch run prepare; do
			if [ $cmd = fetch ]; then
				rkt "${R[@]}" fetch "$ref"
			else
				rkt "${R[@]}" $cmd --stage1-path="$S1_ACI" "$ref"
			fi
			expect_error "'$ref'"
		done
	done
	! grep -q 'GET /v2/test/img/manifests/v1[?# ]' "$BATS_FILE_TMPDIR/anon/log"
	store_empty
	expect_no_pods
}

@test "--port names a docker image's exposed port (80-tcp)" {
	rkt "${R[@]}" prepare --quiet --stage1-path="$S1_ACI" --port=80-tcp:18080 \
		docker://127.0.0.1:$ANON_PORT/test/img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
	jq -e '.ports == [{"name":"80-tcp","hostPort":18080}]' "$STORE/pods/prepared/$output/pod" ||
		fail "$(jq -c .ports "$STORE/pods/prepared/$output/pod")"
	rkt "${R[@]}" prepare --quiet --stage1-path="$S1_ACI" --port=81-tcp:18080 \
		docker://127.0.0.1:$ANON_PORT/test/img:v1
	expect_error "81-tcp"
}

# stub_start VAR ARGS...: helpers/registry-stub.py on 127.0.0.1 (TLS from the test CA); sets
# VAR_PORT and VAR_PID (stopped by teardown).
STUBS=()
stub_start() {
	local var=$1 fifo fd port
	shift
	fifo=$(mktemp -u "$BATS_TEST_TMPDIR/port.XXXXXX")
	mkfifo "$fifo"
	python3 "$BATS_TEST_DIRNAME/helpers/registry-stub.py" --port-file "$fifo" \
		--cert "$CERTS/server.crt" --key "$CERTS/server.key" "$@" 3>&- &
	printf -v "${var}_PID" '%s' "$!"
	STUBS+=("$!")
	exec {fd}<>"$fifo"
	read -r -t 30 -u "$fd" port || return 1
	exec {fd}<&-
	printf -v "${var}_PORT" '%s' "$port"
}

teardown() {
	local p
	for p in "${STUBS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	pod_teardown
}

store_empty() {
	[ -z "$("$RKT" --dir="$STORE" image list --no-legend)" ] || fail "images left"
	[ "$(find "$STORE/cas/blob" "$STORE/cas/tree" "$STORE/cas/tmp" -mindepth 1 -not -type d | wc -l)" -eq 0 ] ||
		fail "files left: $(find "$STORE/cas" -type f)"
}

@test "hostile: a token realm that redirects to another host gets no credentials" {
	stub_start TOK --token --token-needs-auth --log "$T/tok.log"
	stub_start REG --layout "$L/img" --token-realm self \
		--token-redirect "https://localhost:$TOK_PORT/token" --log "$T/reg.log"
	cat >"$CFG/auth.d/reg.json" <<JSON
{"rktKind":"dockerAuth","rktVersion":"v1","registries":["127.0.0.1:$REG_PORT"],
 "credentials":{"user":"rktuser","password":"s3cret"}}
JSON
	rkt "${R[@]}" --user-config="$CFG" fetch docker://127.0.0.1:$REG_PORT/test/img:v1
	[ "$status" -eq 254 ] || fail "status $status: $stderr"
	[ "$(wc -l <<<"$stderr")" -eq 1 ] || fail "$stderr"
	[[ "$stderr" == *"token"*"401"* ]] || fail "$stderr"
	# The realm the registry named got the credentials; the host it redirected to did not.
	grep -q '^GET /token?.* auth=Basic ' "$T/reg.log"
	grep -q '^GET /token' "$T/tok.log"
	[ -z "$(grep -v ' auth=-$' "$T/tok.log")" ] || fail "credentials sent: $(cat "$T/tok.log")"
	store_empty
}

@test "a bearer token from the registry's realm is used for the manifest and blobs" {
	stub_start REG --layout "$L/img" --token-realm self --token --log "$T/reg.log"
	rkt "${R[@]}" fetch docker://127.0.0.1:$REG_PORT/test/img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
	# the challenge's scope and service, percent-encoded as Docker's client sends them
	grep -q '^GET /token?scope=repository%3Atest%2Fimg%3Apull&service=stub auth=-$' "$T/reg.log" ||
		fail "$(cat "$T/reg.log")"
	grep -q '^GET /v2/test/img/blobs/.* auth=Bearer good$' "$T/reg.log"
	[ -z "$(grep '^GET /v2/test/img/blobs/.* auth=-$' "$T/reg.log")" ]
}

@test "hostile: an endless blob is cut off at its descriptor's size" {
	local layer
	layer=$(head -n1 "$BATS_FILE_TMPDIR/v1.layers")
	stub_start REG --layout "$L/img" --endless "$layer" --log "$T/reg.log"
	rkt "${R[@]}" fetch docker://127.0.0.1:$REG_PORT/test/img:v1
	[ "$status" -eq 254 ] || fail "status $status: $stderr"
	[[ "$stderr" == *"blob '$layer' is larger than its"* ]] || fail "$stderr"
	store_empty
}

# A layer whose descriptor says 1 GiB, served without end, to a store on a 24 MiB tmpfs (in a
# private mount namespace): refused before it is asked for, rather than filling the disk first.
@test "hostile: a manifest that points to a huge endless blob is refused before it is transferred" {
	local layer
	layer=$(head -n1 "$BATS_FILE_TMPDIR/v1.layers")
	cp -r "$L/img" "$T/huge"
	chmod -R u+w "$T/huge"
	python3 - "$T/huge" <<'PY'
import hashlib, json, sys
d = sys.argv[1]
idx = json.load(open(d + "/index.json"))
for m in idx["manifests"]:
    man = json.load(open(d + "/blobs/sha256/" + m["digest"][7:]))
    man["layers"][0]["size"] = 1 << 30
    b = json.dumps(man).encode()
    h = hashlib.sha256(b).hexdigest()
    open(d + "/blobs/sha256/" + h, "wb").write(b)
    m["digest"], m["size"] = "sha256:" + h, len(b)
json.dump(idx, open(d + "/index.json", "w"))
PY
	stub_start REG --layout "$T/huge" --endless "$layer" --log "$T/reg.log"
	mkdir -p "$T/small"
	run --separate-stderr unshare -m --propagation private bash -c '
		mount -t tmpfs -o size=24m,mode=0755 rkt-test-huge "$1" || exit 99
		"$RKT" --dir="$1/d" --insecure-options=image fetch "$2" 2>&1
		echo "status $?"
		find "$1/d/cas/blob" "$1/d/cas/tree" "$1/d/cas/tmp" -mindepth 1 -not -type d
	' bash "$T/small" "docker://127.0.0.1:$REG_PORT/test/img:v1"
	[ "$status" -eq 0 ] || fail "status $status" "$output" "$stderr"
	[ "${#lines[@]}" -eq 2 ] || fail "$output"
	[[ "${lines[0]}" == *": layer '$layer' of 1024 MiB is larger than the "*" MiB free in the store" ]] ||
		fail "$output"
	[ "${lines[1]}" = "status 254" ] || fail "$output"
	! grep -q "blobs/$layer" "$T/reg.log" || fail "the layer was asked for"
}

@test "hostile: a registry blob whose bytes do not match its digest is refused" {
	python3 "$BATS_TEST_DIRNAME/helpers/mkoci.py" "$T/bad" <<<'{"layers":[[{"name":"f","data":"hello"}]],"bad_digest":true}'
	stub_start REG --layout "$T/bad" --log "$T/reg.log"
	rkt "${R[@]}" fetch docker://127.0.0.1:$REG_PORT/test/img:v1
	[ "$status" -eq 254 ] || fail "status $status: $stderr"
	[[ "$stderr" == *"hashes to 'sha256:"* ]] || fail "$stderr"
	store_empty
}

@test "hostile: a manifest list without the host's platform is refused" {
	python3 "$BATS_TEST_DIRNAME/helpers/mkoci.py" "$T/plat" <<<'{"layers":[[{"name":"f","data":"x"}]],"index_platform":["linux","s390x"]}'
	stub_start REG --layout "$T/plat" --log "$T/reg.log"
	rkt "${R[@]}" fetch docker://127.0.0.1:$REG_PORT/test/img:v1
	[ "$status" -eq 254 ] || fail "status $status: $stderr"
	[[ "$stderr" == *"no manifest for linux/"* ]] || fail "$stderr"
	store_empty
}

# Docker image manifest schema 1, as docker2aci read it: the layers from fsLayers (top first),
# the config from the top history entry's v1Compatibility. Served by the stub, since the
# Distribution registry no longer accepts schema 1 pushes.
@test "a schema 1 manifest: rkt run runs the image with its exec, env, user and files" {
	local empty
	cp -r "$L/img" "$T/s1"
	empty=$(python3 "$BATS_TEST_DIRNAME/helpers/mkschema1.py" "$T/s1" v1 s1)
	stub_start REG --layout "$T/s1" --log "$T/reg.log"
	rkt "${R[@]}" fetch --full docker://127.0.0.1:$REG_PORT/test/img:s1
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$(grep -c '^Downloading sha256:' <<<"$stderr")" -eq 3 ] || fail "$stderr"
	rkt "${R[@]}" image cat-manifest "$output"
	[ "$(jq -r '.labels[]|select(.name=="version").value' <<<"$output")" = s1 ]
	[ "$(jq -c '.app.ports[0].name' <<<"$output")" = '"80-tcp"' ]
	# the throwaway layer of the top entry is not even transferred
	! grep -q "blobs/$empty" "$T/reg.log"
	run_v1 docker://127.0.0.1:$REG_PORT/test/img:s1
}

@test "hostile: a schema 1 layer whose bytes do not match its blobSum is refused" {
	local layer
	cp -r "$L/img" "$T/s1"
	python3 "$BATS_TEST_DIRNAME/helpers/mkschema1.py" "$T/s1" v1 s1 >/dev/null
	layer=$(head -n1 "$BATS_FILE_TMPDIR/v1.layers")
	chmod u+w "$T/s1/blobs/sha256/${layer#sha256:}"
	printf 'X' | dd of="$T/s1/blobs/sha256/${layer#sha256:}" bs=1 seek=100 conv=notrunc status=none
	stub_start REG --layout "$T/s1" --log "$T/reg.log"
	rkt "${R[@]}" fetch docker://127.0.0.1:$REG_PORT/test/img:s1
	[ "$status" -eq 254 ] || fail "status $status: $stderr"
	[[ "$stderr" == *"blob '$layer' hashes to 'sha256:"* ]] || fail "$stderr"
	store_empty
}
