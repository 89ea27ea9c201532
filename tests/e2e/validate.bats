#!/usr/bin/env bats
# actool validate against every vector of tests/data/appc/expectations.tsv, and its interface.

load helpers

# Prints the paths of expectations.tsv whose expect column is $1 (and whose reason matches
# the regular expression $2, or does not match it if $3 is "not").
rows() {
	awk -F'\t' -v e="$1" -v re="${2:-.}" -v neg="${3:-}" \
		'!/^#/ && $2 == e && (neg == "not") != ($4 ~ re) { print $1 }' "$APPC/expectations.tsv"
}

# What validate prints for a valid FILE (relative to $APPC).
valid_line() {
	local f=$1 kind
	case "$f" in
	*.aci) echo "$f: valid aci $(expected_id "${f#aci/}") ($(aci_compression "$f"))" ;;
	*)
		kind=$(jq -r .acKind "$APPC/$f")
		case "$kind" in
		ImageManifest) echo "$f: valid image manifest" ;;
		PodManifest) echo "$f: valid pod manifest" ;;
		*) fail "$f: unexpected acKind $kind" ;;
		esac
		;;
	esac
}

# The compression of a test vector, from its magic bytes (independently of actool).
aci_compression() {
	case "$(od -An -tx1 -N6 "$APPC/$1" | tr -d ' ')" in
	1f8b*) echo gzip ;;
	425a68*) echo bzip2 ;;
	fd377a585a00) echo xz ;;
	*) echo none ;;
	esac
}

# Checks that each file in $@ is accepted with exactly the expected line. Anything on stderr
# must be a warning; with warnings=1 there must be one (about what is ignored or incomplete).
check_accepted() {
	local warnings=$1 f line bad=0
	shift
	cd "$APPC"
	for f in "$@"; do
		ours validate "$f"
		if [ "$status" -ne 0 ] || [ "$output" != "$(valid_line "$f")" ]; then
			echo "# $f: status $status, stdout '$output', stderr '$stderr'" >&3
			bad=1
		elif [ "$warnings" = 1 ] && [ -z "$stderr" ]; then
			echo "# $f: no warning" >&3
			bad=1
		fi
		for line in "${stderr_lines[@]}"; do
			if [[ "$line" != "actool: warning: "*"'$f'"* ]]; then
				echo "# $f: unexpected stderr '$line'" >&3
				bad=1
			fi
		done
	done
	[ "$bad" = 0 ]
}

# Checks that each file in $@ is refused: status 254, nothing on stdout, one error line that
# names the file.
check_refused() {
	local f bad=0
	cd "$APPC"
	for f in "$@"; do
		ours validate "$f"
		if [ "$status" -ne 254 ] || [ -n "$output" ] || [ "${#stderr_lines[@]}" -ne 1 ] ||
			[[ "$stderr" != "actool: "*"'$f'"* ]]; then
			echo "# $f: status $status, stdout '$output', stderr '$stderr'" >&3
			bad=1
		fi
	done
	[ "$bad" = 0 ]
}

@test "every valid vector is accepted, ACIs with the ID from IDS.tsv" {
	mapfile -t files < <(rows valid)
	[ "${#files[@]}" -gt 40 ]
	check_accepted 0 "${files[@]}"
}

@test "every strict vector (unknown isolators) is accepted, saying what is ignored" {
	mapfile -t files < <(rows strict)
	[ "${#files[@]}" -ge 2 ]
	check_accepted 1 "${files[@]}"
	ours validate manifests/strict/image-isolator-unknown.json
	[[ "$stderr" == *", ignoring" ]]
}

@test "every invalid vector is refused with one line naming the file" {
	mapfile -t files < <(rows invalid)
	[ "${#files[@]}" -gt 80 ]
	check_refused "${files[@]}"
}

@test "every lenient vector (accepted by actool 0.8.11) is refused by ours" {
	mapfile -t files < <(rows lenient "Recommend: accept" not)
	[ "${#files[@]}" -ge 10 ]
	check_refused "${files[@]}"
}

@test "lenient vectors to accept when parsing (pod templates) are accepted with a warning" {
	mapfile -t files < <(rows lenient "Recommend: accept")
	[ "${#files[@]}" -ge 1 ]
	check_accepted 1 "${files[@]}"
	ours validate manifests/lenient/pod-app-no-image-id.json
	[[ "$stderr" == *"reified"* ]]
}

@test "the four minimal ACIs have one image ID whatever their compression" {
	local c name
	cd "$APPC/aci"
	for c in none gzip bzip2 xz; do
		name=minimal-$c.aci
		[ "$c" = none ] && name=minimal.aci
		ours validate "$name"
		expect_success
		[ "$output" = "$name: valid aci $(expected_id minimal.aci) ($c)" ]
	done
}

@test "an error names the offending entry of an ACI" {
	cd "$APPC/aci"
	ours validate path-traversal.aci
	expect_error "'path-traversal.aci'" "appc-vector-escape"
}

@test "an error names the field and value of a manifest" {
	cd "$APPC/manifests/invalid"
	ours validate image-isolator-cpu-bad-quantity.json
	expect_error "'image-isolator-cpu-bad-quantity.json'" "app.isolators[0]"
}

@test "several files: each valid one on stdout, each invalid one on stderr, status 254" {
	cd "$APPC"
	ours validate aci/minimal.aci aci/no-rootfs.aci manifests/valid/image-minimal.json \
		manifests/invalid/image-not-json.json
	[ "$status" -eq 254 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "aci/minimal.aci: valid aci sha512-"* ]]
	[ "${lines[1]}" = "manifests/valid/image-minimal.json: valid image manifest" ]
	[ "${#stderr_lines[@]}" -eq 2 ]
	[[ "${stderr_lines[0]}" == "actool: 'aci/no-rootfs.aci': "* ]]
	[[ "${stderr_lines[1]}" == "actool: "*"'manifests/invalid/image-not-json.json'"* ]]
}

@test "several valid files: status 0" {
	cd "$APPC"
	ours validate aci/minimal-xz.aci spec-examples/pod_runtime.json spec-examples/image.json
	expect_success
	[ "${#lines[@]}" -eq 3 ]
	[ "${lines[1]}" = "spec-examples/pod_runtime.json: valid pod manifest" ]
}

@test "--quiet prints nothing for valid files, still reports invalid ones and warnings" {
	cd "$APPC"
	ours validate --quiet aci/minimal-gzip.aci manifests/valid/image-full.json
	expect_success
	[ -z "$output" ]
	ours validate --quiet aci/minimal.aci aci/no-rootfs.aci
	expect_error "'aci/no-rootfs.aci'"
	ours validate --quiet manifests/strict/image-isolator-unknown.json
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[[ "$stderr" == "actool: warning: "*", ignoring" ]]
}

@test "a missing file is reported with the system error" {
	ours validate nothing-here.aci
	expect_error "'nothing-here.aci'" "No such file or directory"
}

@test "a directory is refused" {
	mkdir layout
	ours validate layout
	expect_error "'layout'" "Is a directory"
}

@test "an empty file is refused" {
	: >empty.aci
	ours validate empty.aci
	expect_error "'empty.aci'"
}

@test "a truncated ACI is refused" {
	head -c 300 "$APPC/aci/minimal-gzip.aci" >truncated.aci
	ours validate truncated.aci
	expect_error "'truncated.aci'"
}

@test "a corrupted byte in a gzip ACI is refused" {
	cp "$APPC/aci/minimal-gzip.aci" corrupt.aci
	local size
	size=$(stat -c %s corrupt.aci)
	printf '\xff\xff\xff\xff' | dd of=corrupt.aci bs=1 seek=$((size / 2)) conv=notrunc status=none
	ours validate corrupt.aci
	expect_error "'corrupt.aci'"
}

@test "JSON that is not a manifest is refused" {
	echo '{"acKind":"Something","acVersion":"0.8.11"}' >other.json
	ours validate other.json
	expect_error "'other.json'"
}

@test "--type=manifest reads an ACI as a manifest and refuses it" {
	ours validate --type=manifest "$APPC/aci/minimal.aci"
	expect_error "minimal.aci"
}

@test "--type=appimage reads a manifest as an ACI and refuses it" {
	ours validate --type=appimage "$APPC/manifests/valid/image-minimal.json"
	expect_error "image-minimal.json"
}

@test "--type with another value is a usage error" {
	ours validate --type=layout "$APPC/aci/minimal.aci"
	expect_usage_error "--type" "'layout'"
}

@test "validate without files is a usage error" {
	ours validate
	expect_usage_error "validate"
}

@test "validate with an unknown flag is a usage error" {
	ours validate --strict "$APPC/aci/minimal.aci"
	expect_usage_error "unknown option '--strict'"
}
