#!/usr/bin/env bats
# The actool command line: version, help, usage errors, exit statuses.

load helpers

@test "version prints our version and the appc version" {
	ours version
	expect_success
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" =~ ^actool\ version\ [0-9]+\.[0-9]+\.[0-9]+ ]]
	[ "${lines[1]}" = "appc version 0.8.11" ]
}

@test "help and --help list the commands on stdout" {
	local how
	for how in help --help; do
		ours $how
		expect_success
		[[ "$output" == *"USAGE:"* ]]
		local c
		for c in build cat-manifest patch-manifest validate version; do
			[[ "$output" == *"	$c "* ]] || fail "$how does not list $c"
		done
	done
}

@test "help COMMAND and COMMAND --help show that command's usage" {
	ours help build
	expect_success
	[[ "$output" == *"actool build "*"--compression"* ]]
	ours patch-manifest --help
	expect_success
	[[ "$output" == *"--isolators"* ]]
}

@test "no command prints the usage on stderr and fails" {
	ours
	[ "$status" -eq 254 ]
	[ -z "$output" ]
	[[ "$stderr" == *"USAGE:"* ]]
}

@test "an unknown command is reported, with the usage" {
	ours frobnicate
	[ "$status" -eq 254 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]}" = "actool: unknown command 'frobnicate'" ]
	[[ "$stderr" == *"COMMANDS:"* ]]
}

@test "an unknown global option is reported" {
	ours --frobnicate
	[ "$status" -eq 254 ]
	[ "${stderr_lines[0]}" = "actool: unknown global option '--frobnicate'" ]
}

@test "help for an unknown command is an error" {
	ours help frobnicate
	expect_error "frobnicate"
}

@test "an option without its value is a usage error" {
	ours build --compression
	expect_usage_error "'--compression' needs a value"
}

@test "version takes no arguments" {
	ours version extra
	expect_usage_error "version"
}

@test "a failure to write the output is reported" {
	run --separate-stderr bash -c '"$ACTOOL" version >/dev/full'
	[ "$status" -eq 254 ]
	[ "$stderr" = "actool: write to standard output: No space left on device" ]
}

@test "an oversized manifest is one line without a redundant strerror" {
	head -c 1100000 /dev/zero | tr '\0' ' ' >big.json
	ours validate --type=manifest big.json
	[ "$status" -eq 254 ]
	[ "$stderr" = "actool: manifest 'big.json': larger than the 1048576 bytes allowed" ]
}
