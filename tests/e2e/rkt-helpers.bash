# Shared by the rkt end-to-end tests (rkt-*.bats). Each test gets its own data directory and
# runs the real rkt against it.
#
#   RKT           our rkt (set by meson)
#   RKT_TESTDATA  the repository's tests/data (set by meson)

bats_require_minimum_version 1.5.0

: "${RKT:?RKT must name the rkt binary under test}"
: "${RKT_TESTDATA:?RKT_TESTDATA must name the repository tests/data directory}"
APPC=$RKT_TESTDATA/appc
MKACI="python3 $BATS_TEST_DIRNAME/rkt-mkaci.py"

setup() {
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work"
	STORE=$BATS_TEST_TMPDIR/store
}

fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# rkt with the test's store; status, stdout and stderr in $status, $output and $stderr.
rkt() {
	run --separate-stderr "$RKT" --dir="$STORE" "$@"
}

# rkt that must succeed.
rkt_ok() {
	rkt "$@"
	[ "$status" -eq 0 ] || fail "rkt $* failed with $status: $stderr"
}

# rkt --insecure-options=image fetch that must succeed; the ID is in $output.
fetch_ok() {
	rkt_ok --insecure-options=image fetch --full "$@"
}

# Fails unless the last rkt failed with 254, printed nothing on stdout and one line on stderr
# starting with "rkt: " and containing each argument.
expect_error() {
	[ "$status" -eq 254 ] || fail "exit status $status, expected 254" "stderr: $stderr"
	[ -z "$output" ] || fail "unexpected stdout: $output"
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "expected one line on stderr, got:" "$stderr"
	[[ "$stderr" == "rkt: "* ]] || fail "stderr does not start with 'rkt: ': $stderr"
	local s
	for s in "$@"; do
		[[ "$stderr" == *"$s"* ]] || fail "stderr lacks '$s': $stderr"
	done
}

# The store holds no image and no file but its lock and index.
expect_empty_store() {
	rkt_ok image list --no-legend
	[ -z "$output" ] || fail "images left: $output"
	rkt_ok image verify
	local left
	left=$(cd "$STORE/cas" && find . -type f ! -name lock ! -path './db/*')
	[ -z "$left" ] || fail "files left in the store:" "$left"
}

# The store is consistent: every image has its blob and tree and verifies, and no blob or
# tree lacks an image.
expect_consistent_store() {
	rkt_ok image list --no-legend --full --fields=id
	local ids=$output id
	local n_ids=0
	for id in $ids; do
		n_ids=$((n_ids + 1))
		[ -f "$STORE/cas/blob/sha512/${id:7:2}/$id" ] || fail "no blob for $id"
		[ -d "$STORE/cas/tree/$id/rootfs" ] || fail "no tree for $id"
	done
	rkt_ok image verify
	local blobs trees
	blobs=$(find "$STORE/cas/blob" -type f | wc -l)
	trees=$(find "$STORE/cas/tree" -mindepth 1 -maxdepth 1 | wc -l)
	[ "$blobs" -eq "$n_ids" ] || fail "$blobs blobs for $n_ids images"
	[ "$trees" -eq "$n_ids" ] || fail "$trees trees for $n_ids images"
	[ -z "$(ls -A "$STORE/cas/tmp")" ] || fail "temporary files left: $(ls -A "$STORE/cas/tmp")"
}
