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

@test "rkt run docker:// runs the image with its exec, env, user, group, working directory and files" {
	rkrun docker://127.0.0.1:$ANON_PORT/test/img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = "bar 1000:1001 /data
two
new" ] || fail "$output"
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
	[ "$status" -eq 254 ]
	rkt --dir="$STORE" --insecure-options=image,http fetch docker://127.0.0.1:$PLAIN_PORT/test/img:v1
	[ "$status" -eq 0 ] || fail "$stderr"
}

@test "an unknown tag is an error naming the image" {
	rkt "${R[@]}" fetch docker://127.0.0.1:$ANON_PORT/test/img:nope
	[ "$status" -eq 254 ]
	[[ "$stderr" == *"docker://127.0.0.1:$ANON_PORT/test/img:nope"* ]] || fail "$stderr"
}
