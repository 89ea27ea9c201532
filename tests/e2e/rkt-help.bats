#!/usr/bin/env bats
# rkt's help, man pages and bash completion. All of them are made from the flag tables that the
# parser uses; these tests walk every command (rkt help --commands) and every flag of it
# (rkt help --flags CMD) and check that help shows it, the parser takes it, and the man page and
# completion know it.
#
#   RKT_MAN_DIR          the man pages meson built
#   RKT_BASH_COMPLETION  the completion script meson built

load rkt-helpers

# Every command path ("run", "image list"), one per line.
commands() {
	"$RKT" help --commands
}

@test "rkt help, rkt --help and rkt -h list every command, image subcommands included" {
	local how path
	for how in help --help -h; do
		rkt_ok "$how"
		[[ "${lines[0]}" == "NAME:" ]]
		while read -r path; do
			grep -q "^	$path	" <<<"$output" || fail "rkt $how lacks '$path'"
		done < <(commands)
		[[ "$output" == *$'\nOPTIONS:\n'*"--insecure-options=none"* ]]
	done
}

@test "rkt without a command prints the usage on stderr and exits 2" {
	run --separate-stderr "$RKT"
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == *"missing command"*"COMMANDS:"* ]]
}

@test "CMD --help and rkt help CMD print the command's usage and each of its flags on one line" {
	local path words name type arg help n=0
	while read -r path; do
		read -ra words <<<"$path"
		rkt_ok "${words[@]}" --help
		help=$output
		[ "${lines[0]}" = "NAME:" ]
		[[ "${lines[1]}" == "	$path - "* ]] || fail "$path --help: ${lines[1]}"
		[[ "$help" == *$'\nUSAGE:\n\trkt '"$path"* ]] || fail "$path --help has no usage"
		[[ "$help" == *$'\nGLOBAL OPTIONS:\n'* ]]
		rkt_ok help "${words[@]}"
		[ "$output" = "$help" ] || fail "rkt help $path differs from rkt $path --help"
		while IFS=$'\t' read -r name type arg; do
			[ "$(grep -c -E -- "^      --$name(\[?=)" <<<"$help")" -eq 1 ] ||
				fail "rkt $path --help does not show --$name once"
			n=$((n + 1))
		done < <("$RKT" help --flags "${words[@]}")
	done < <(commands)
	# the tables are not empty: image list alone has six flags
	[ "$n" -gt 50 ]
	rkt_ok image list --help
	[ "${lines[1]}" = "	image list - List images in the local store" ]
	[[ "$output" == *"      --no-legend[=false]"*"suppress a legend with the list"* ]]
}

@test "help for an unknown command fails" {
	rkt help frobnicate
	expect_error "unknown command 'frobnicate'"
	rkt help image frobnicate
	expect_error "unknown command 'image frobnicate'"
}

# Fails if the last rkt refused its flag as unknown or its boolean value.
expect_flag_taken() {
	[[ "$stderr" != *"unknown flag"* && "$stderr" != *"is not a boolean"* ]] ||
		fail "rkt $*: $stderr"
}

@test "every command takes each flag it lists, booleans as --f, --f=true, --f=false, --f=T, --f=0; unknown flags are refused" {
	local path words name type arg v
	mkdir -p "$STORE"
	while read -r path; do
		read -ra words <<<"$path"
		while IFS=$'\t' read -r name type arg; do
			if [ "$type" = bool ]; then
				# every spelling of every boolean: test-cli-flags; here one of each kind
				for v in "" =true =false =T =0; do
					rkt "${words[@]}" "--$name$v"
					expect_flag_taken "$path" "--$name$v"
				done
			else
				rkt "${words[@]}" "--$name=x"
				expect_flag_taken "$path" "--$name=x"
			fi
		done < <("$RKT" help --flags "${words[@]}")
		rkt "${words[@]}" --no-such-flag
		expect_error "unknown flag '--no-such-flag'"
	done < <(commands)
	# the global flags, before or after the command
	while IFS=$'\t' read -r name type arg; do
		if [ "$type" = bool ]; then
			rkt "--$name=false" version
			[ "$status" -eq 0 ] || fail "--$name=false: $stderr"
			rkt version "--$name=T"
			[ "$status" -eq 0 ] || fail "--$name=T: $stderr"
		fi
	done < <("$RKT" help --flags)
	rkt --no-such-flag version
	expect_error "unknown flag '--no-such-flag'"
}

@test "a value flag without its value is refused, naming it" {
	rkt stop --uuid-file
	expect_error "stop: flag '--uuid-file' needs a value"
	rkt image gc --grace-period=soon
	expect_error "--grace-period: 'soon' is not a duration"
	rkt stop --force=maybe x
	expect_error "--force: 'maybe' is not a boolean"
}

@test "the man pages meson built are what rkt makes, one per command, and render without warnings" {
	local path page
	"$RKT" help --man "$BATS_TEST_TMPDIR/man"
	diff -r "$RKT_MAN_DIR" "$BATS_TEST_TMPDIR/man"
	[ -s "$RKT_MAN_DIR/rkt.1" ]
	while read -r path; do
		page=$RKT_MAN_DIR/rkt-${path// /-}.1
		[ -s "$page" ] || fail "no man page for $path"
	done < <(commands)
	[ "$(find "$RKT_MAN_DIR" -name '*.1' | wc -l)" -eq $(($(commands | wc -l) + 1)) ]
	for page in "$RKT_MAN_DIR"/*.1; do
		run --separate-stderr groff -man -Tutf8 -ww -z "$page"
		[ "$status" -eq 0 ] && [ -z "$stderr" ] || fail "$page: $stderr"
	done
	run --separate-stderr env MANWIDTH=200 man -l "$RKT_MAN_DIR/rkt-image-list.1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"rkt-image-list - List images in the local store"* ]]
	[[ "$output" == *"--no-legend[=false]"* ]]
	[[ "$output" == *"GLOBAL OPTIONS"*"--insecure-options=none"* ]]
}

@test "a man page lists every flag of its command" {
	local path words name type arg text
	while read -r path; do
		read -ra words <<<"$path"
		text=$(MANWIDTH=300 man -l "$RKT_MAN_DIR/rkt-${path// /-}.1" 2>/dev/null)
		while IFS=$'\t' read -r name type arg; do
			[[ "$text" == *"--$name"[=[]* ]] || fail "rkt-${path// /-}.1 lacks --$name"
		done < <("$RKT" help --flags "${words[@]}")
	done < <(commands)
}

# Completes the words given, the last being the one under the cursor; COMPREPLY on stdout.
complete_words() {
	bash -c 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _rkt
		printf "%s\n" "${COMPREPLY[@]}"' - "$RKT_BASH_COMPLETION" "$@"
}

@test "the completion script meson built is rkt completion bash, and loads in bash" {
	rkt_ok completion bash
	[ "$output" = "$(cat "$RKT_BASH_COMPLETION")" ]
	run bash -c 'source "$1" && complete -p rkt' - "$RKT_BASH_COMPLETION"
	[ "$status" -eq 0 ]
	[ "$output" = "complete -F _rkt rkt" ]
	rkt completion zsh
	expect_error "completion"
}

@test "completion completes commands, image subcommands, flags and flag values" {
	run complete_words rkt ru
	[ "$output" = $'run\nrun-prepared' ]
	run complete_words rkt image li
	[ "$output" = list ]
	run complete_words rkt --dir /tmp stop --f
	[ "$output" = --force ]
	run complete_words rkt image list --format = j
	[ "$output" = $'json\njson-pretty' ]
	run complete_words rkt run x.aci --readonly
	[ "$output" = --readonly-rootfs ]
}

@test "completion offers every flag of every command" {
	local path words name type arg offered
	while read -r path; do
		read -ra words <<<"$path"
		offered=$(complete_words rkt "${words[@]}" --)
		while IFS=$'\t' read -r name type arg; do
			grep -qx -- "--$name" <<<"$offered" || fail "rkt $path --<TAB> lacks --$name"
		done < <("$RKT" help --flags "${words[@]}")
		grep -qx -- "--dir" <<<"$offered" || fail "rkt $path --<TAB> lacks --dir"
	done < <(commands)
}
