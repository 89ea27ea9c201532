#!/usr/bin/env bats
# An installed rkt: `meson install --destdir` (and `make install DESTDIR=`) into a temporary
# directory, then pods run with the installed binary, which finds its installed stage1 images
# relative to its own location (BINDIR/../LIBDIR/rkt/stage1-images), so that the real prefix
# need not exist.

load pod-helpers
load helpers/pgp

setup_file() {
	pod_setup_file
	BUILD=$(cd "$(dirname "$RKT")/../.." && pwd)
	SRC=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export BUILD SRC
}

teardown() {
	pgp_teardown
	pod_teardown
}

# installed_path FILE: where meson installs build file FILE (relative to the build dir).
installed_path() {
	meson introspect "$1" --installed | jq -r --arg f "$1/$2" '.[$f]'
}

install_into() {
	meson install -C "$BUILD" --no-rebuild --destdir "$1" >"$T/install.log" 2>&1 ||
		fail "meson install failed: $(cat "$T/install.log")"
}

@test "meson install --destdir: the installed rkt runs pods with its installed stage1 images" {
	local dest=$T/dest rkt_path s1_path inst
	install_into "$dest"
	rkt_path=$(installed_path "$BUILD" cli/rkt/rkt)
	s1_path=$(installed_path "$BUILD" stage1/stage1-default.aci)
	inst=$dest$rkt_path
	[ -x "$inst" ] || fail "no installed rkt at $inst"
	[ -x "$dest$(installed_path "$BUILD" cli/actool/actool)" ] || fail "no installed actool"
	[ -f "$dest$s1_path" ] || fail "no installed stage1-default.aci at $dest$s1_path"
	[ -f "$(dirname "$dest$s1_path")/stage1-fly.aci" ] || fail "no installed stage1-fly.aci"
	# mark the installed stage1, to see that it is the one used
	"$ACTOOL" patch-manifest --name=example.com/installed-stage1 --replace "$dest$s1_path"
	run --separate-stderr "$inst" --dir="$D" --insecure-options=image run "$BB_ACI" \
		--exec /bin/echo -- installed
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = installed ]
	jq -e '.name == "example.com/installed-stage1"' "$(ls -d "$D"/pods/run/*/)/stage1/manifest" \
		>/dev/null || fail "the pod did not run the installed stage1"
	run --separate-stderr "$inst" --dir="$D" --insecure-options=image run \
		--stage1-from-dir=stage1-fly.aci "$BB_ACI" --exec /bin/sh -- -c 'echo fly; exit 3'
	[ "$status" -eq 3 ] || fail "$stderr"
	[ "$output" = fly ]
}

@test "the installed rkt looks for its stage1 where meson installs it" {
	local s1_dir
	s1_dir=$(dirname "$(installed_path "$BUILD" stage1/stage1-default.aci)")
	run --separate-stderr "$RKT" --system-config="$T/none" --local-config="$T/none" \
		--user-config= config --pretty-print=false
	[ "$status" -eq 0 ] || fail "$stderr"
	[[ "$output" == *'"stage1-images":"'"$s1_dir"'"'* ]] ||
		fail "rkt looks in another directory than $s1_dir: $output"
}

@test "a /usr prefix installs the stage1 images in /usr/lib/rkt/stage1-images" {
	meson setup --prefix=/usr -De2e=false "$T/usr-build" "$SRC" >"$T/setup.log" 2>&1 ||
		fail "meson setup failed: $(cat "$T/setup.log")"
	[ "$(installed_path "$T/usr-build" stage1/stage1-default.aci)" = \
		/usr/lib/rkt/stage1-images/stage1-default.aci ]
	[ "$(installed_path "$T/usr-build" stage1/stage1-fly.aci)" = \
		/usr/lib/rkt/stage1-images/stage1-fly.aci ]
	[ "$(installed_path "$T/usr-build" cli/rkt/rkt)" = /usr/bin/rkt ]
	grep -qx '#define RKT_STAGE1_IMAGES_DIR "/usr/lib/rkt/stage1-images"' \
		"$T/usr-build/lib/config/install-paths.h" ||
		fail "rkt is not built to look in /usr/lib/rkt/stage1-images"
}

@test "make install DESTDIR= installs what meson install does" {
	make -s -C "$SRC" install BUILD="$BUILD" DESTDIR="$T/make" >"$T/make.log" 2>&1 ||
		fail "make install failed: $(cat "$T/make.log")"
	install_into "$T/meson"
	[ "$(cd "$T/make" && find . | sort)" = "$(cd "$T/meson" && find . | sort)" ] ||
		fail "make install differs: $(diff <(cd "$T/make" && find . | sort) <(cd "$T/meson" && find . | sort))"
	run --separate-stderr "$T/make$(installed_path "$BUILD" cli/rkt/rkt)" --dir="$D" \
		--insecure-options=image run "$BB_ACI" --exec /bin/echo -- made
	[ "$status" -eq 0 ] || fail "$stderr"
	[ "$output" = made ]
}

@test "the installed rkt runs a signed image of a trusted key without --insecure-options; an unsigned one fails with 254" {
	local dest=$T/dest inst cfg
	install_into "$dest"
	inst=$dest$(installed_path "$BUILD" cli/rkt/rkt)
	pgp_setup "$T/pgp"
	pgp_genkey alice
	cp "$BB_ACI" "$T/signed.aci"
	pgp_sign alice "$T/signed.aci"
	cp "$BB_ACI" "$T/unsigned.aci"
	cfg=(--dir="$D" --system-config="$T/sys" --local-config="$T/local" --user-config=)
	"$inst" "${cfg[@]}" trust --prefix=example.com/busybox --skip-fingerprint-review \
		"$T/pgp/alice.asc" >/dev/null 2>&1
	# the stage1 comes from the install's own directory: trusted without a signature
	run --separate-stderr "$inst" "${cfg[@]}" run "$T/signed.aci" --exec /bin/echo -- signed
	[ "$status" -eq 0 ] || fail "signed image: status $status: $stderr"
	[ "$output" = signed ]
	run --separate-stderr "$inst" "${cfg[@]}" run "$T/unsigned.aci" --exec /bin/echo -- unsigned
	[ "$status" -eq 254 ] || fail "unsigned image: status $status: $stderr"
	[ -z "$output" ] || fail "the unsigned image ran: $output"
	[[ "$stderr" == *"unsigned.aci.asc"*"--insecure-options=image"* ]] || fail "no hint: $stderr"
	[ "$(ls "$D/pods/run" | wc -l)" -eq 1 ] || fail "pods: $(find "$D/pods" -maxdepth 2)"
	[ -z "$(find "$D/pods" -mindepth 2 -maxdepth 2 ! -path "$D/pods/run/*")" ] ||
		fail "the refused pod was left behind: $(find "$D/pods" -maxdepth 2)"
}
