# Shared by the actool end-to-end tests. Each test runs in its own empty BATS_TEST_TMPDIR and
# checks what a user sees: exit status, stdout, stderr, and the files left behind.
#
#   ACTOOL        our actool (set by meson)
#   RKT_TESTDATA  the repository's tests/data (set by meson)
#   REF_ACTOOL    the reference actool (appc-spec 0.8.11), /usr/bin/actool by default

bats_require_minimum_version 1.5.0

: "${ACTOOL:?ACTOOL must name the actool binary under test}"
: "${RKT_TESTDATA:?RKT_TESTDATA must name the repository tests/data directory}"
REF_ACTOOL=${REF_ACTOOL:-/usr/bin/actool}
APPC=$RKT_TESTDATA/appc
BUSYBOX=${BUSYBOX:-/bin/busybox}

# bats keeps its own files in BATS_TEST_TMPDIR, so tests work in a directory of their own.
enter_tmpdir() {
	mkdir -p "$BATS_TEST_TMPDIR/work"
	cd "$BATS_TEST_TMPDIR/work"
}

setup() {
	enter_tmpdir
}

# Prints a message and fails the test.
fail() {
	printf '%s\n' "$@" >&2
	return 1
}

# Runs our actool; status, stdout and stderr land in $status, $output and $stderr.
ours() {
	run --separate-stderr "$ACTOOL" "$@"
}

# Fails unless the last `ours` failed with 254 and printed nothing on stdout, and LINE (the
# first of stderr) starts with "actool: " and contains each of the other arguments.
expect_failure_line() {
	local line=$1 s
	shift
	[ "$status" -eq 254 ] || fail "exit status $status, expected 254" "stderr: $stderr"
	[ -z "$output" ] || fail "unexpected stdout: $output"
	[[ "$line" == "actool: "* ]] || fail "stderr does not start with 'actool: ': $stderr"
	for s in "$@"; do
		[[ "$line" == *"$s"* ]] || fail "stderr lacks '$s': $stderr"
	done
}

# A failure reported in one line on stderr that contains each of the given strings.
expect_error() {
	[ "${#stderr_lines[@]}" -eq 1 ] || fail "expected one line on stderr, got:" "$stderr"
	expect_failure_line "$stderr" "$@"
}

# A mistake in the command line: the message, then the usage.
expect_usage_error() {
	[[ "$stderr" == *"USAGE:"* ]] || fail "no usage on stderr: $stderr"
	expect_failure_line "${stderr_lines[0]:-}" "$@"
}

# Fails unless the last `ours` succeeded without a word on stderr.
expect_success() {
	[ "$status" -eq 0 ] || fail "exit status $status, expected 0" "stderr: $stderr"
	[ -z "$stderr" ] || fail "unexpected stderr: $stderr"
}

# The appc arch label of this machine.
appc_arch() {
	case "$(uname -m)" in
	x86_64) echo amd64 ;;
	i?86) echo i386 ;;
	aarch64) echo aarch64 ;;
	armv7l) echo armv7l ;;
	*) uname -m ;;
	esac
}

# write_manifest DIR NAME [APP_JSON]: DIR/manifest for image NAME, with an app if given.
write_manifest() {
	local dir=$1 name=$2 app=${3:-}
	mkdir -p "$dir"
	{
		printf '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"%s",' "$name"
		printf '"labels":[{"name":"version","value":"1.0.0"},'
		printf '{"name":"os","value":"linux"},{"name":"arch","value":"%s"}]' "$(appc_arch)"
		[ -n "$app" ] && printf ',"app":%s' "$app"
		printf '}\n'
	} >"$dir/manifest"
}

# minimal_layout DIR: a manifest with an app, and a rootfs holding one file.
minimal_layout() {
	write_manifest "$1" example.com/minimal \
		'{"exec":["/bin/true"],"user":"0","group":"0"}'
	mkdir -p "$1/rootfs/etc"
	echo minimal >"$1/rootfs/etc/hostname"
}

# busybox_layout DIR: Debian's static busybox with the usual applet links.
busybox_layout() {
	local dir=$1 applet
	write_manifest "$dir" example.com/busybox \
		'{"exec":["/bin/sh","-c","echo hello from busybox"],"user":"0","group":"0"}'
	mkdir -p "$dir/rootfs/bin" "$dir/rootfs/etc" "$dir/rootfs/tmp"
	cp "$BUSYBOX" "$dir/rootfs/bin/busybox"
	for applet in sh echo true false ls cat env; do
		ln -s busybox "$dir/rootfs/bin/$applet"
	done
	echo 'root:x:0:0:root:/root:/bin/sh' >"$dir/rootfs/etc/passwd"
	echo 'root:x:0:' >"$dir/rootfs/etc/group"
}

# rich_layout DIR: every kind of entry an ACI carries: relative and absolute symlinks, a hard
# link, a FIFO, a setuid file, an extended attribute, an empty directory, a name with a space.
rich_layout() {
	local dir=$1 r=$1/rootfs
	write_manifest "$dir" example.com/rich \
		'{"exec":["/bin/tool"],"user":"0","group":"0"}'
	mkdir -p "$r/bin" "$r/etc" "$r/lib" "$r/run" "$r/empty"
	printf '#!/bin/sh\necho tool\n' >"$r/bin/tool"
	chmod 4755 "$r/bin/tool"
	echo rich >"$r/etc/hostname"
	ln -s ../etc/hostname "$r/lib/relative-link"
	ln -s /etc/hostname "$r/lib/absolute-link"
	echo shared >"$r/etc/hard1"
	ln "$r/etc/hard1" "$r/etc/hard2"
	mkfifo "$r/run/fifo"
	echo attr >"$r/etc/attr"
	setfattr -n user.appc -v vector "$r/etc/attr"
	echo spaced >"$r/etc/a file"
}

# The expected image ID of tests/data/appc/aci/NAME.
expected_id() {
	awk -F'\t' -v f="$1" '$1 == f { print $2 }' "$APPC/aci/IDS.tsv"
}

# The image ID `actool validate` prints for the ACI FILE (fails the test if it is not valid).
our_id() {
	ours validate "$1"
	expect_success
	[[ "$output" =~ ^.*:\ valid\ aci\ (sha512-[0-9a-f]{128})\ \(([a-z0-9]+)\)$ ]] ||
		fail "unexpected validate output: $output"
	echo "${BASH_REMATCH[1]}"
}

# The compression `actool validate` reports for FILE.
our_compression() {
	ours validate "$1"
	expect_success
	[[ "$output" =~ \ \(([a-z0-9]+)\)$ ]] || fail "unexpected validate output: $output"
	echo "${BASH_REMATCH[1]}"
}

# "sha512-" + the sha512 of STDIN.
sha512_id() {
	echo "sha512-$(sha512sum | cut -d' ' -f1)"
}
