#!/usr/bin/env bats
# Several rkt processes on one store, and a fetch killed in the middle.

load rkt-helpers

@test "8 parallel fetches of the same and different images, with rm and gc, end consistent" {
	local i
	$MKACI same.aci --name example.com/same --big /data=300000 --gzip
	for i in 1 2 3 4; do
		$MKACI "d$i.aci" --name "example.com/d$i" --big /data=200000
	done
	fetch_ok same.aci
	local same=$output
	local pids=() rmpids=()
	for i in 1 2 3 4; do
		"$RKT" --dir="$STORE" --insecure-options=image fetch same.aci >"same$i.out" 2>&1 &
		pids+=($!)
		"$RKT" --dir="$STORE" --insecure-options=image fetch "d$i.aci" >"d$i.out" 2>&1 &
		pids+=($!)
		if [ "$i" -eq 2 ]; then
			"$RKT" --dir="$STORE" image rm "$same" >rm.out 2>&1 &
			rmpids+=($!)
			"$RKT" --dir="$STORE" image gc --grace-period=0s >gc.out 2>&1 &
			rmpids+=($!)
		fi
	done
	for i in "${pids[@]}"; do
		wait "$i" || fail "a fetch failed: $(cat ./*.out)"
	done
	# rm and gc may find the image gone already; they must not fail otherwise.
	for i in "${rmpids[@]}"; do
		wait "$i" || grep -q "no image" rm.out || fail "rm/gc failed: $(cat rm.out gc.out)"
	done
	for i in 1 2 3 4; do
		[[ "$(cat "same$i.out")" == "${same:0:39}" ]] || fail "same$i: $(cat "same$i.out")"
	done
	expect_consistent_store
	# Whatever gc removed can be fetched again.
	for i in 1 2 3 4; do fetch_ok "d$i.aci"; done
	fetch_ok same.aci
	rkt_ok image list --no-legend
	[ "${#lines[@]}" -eq 5 ]
	expect_consistent_store
}

@test "a fetch killed with SIGKILL leaves no visible trace" {
	$MKACI big.aci --name example.com/big --big /data=4000000
	mkfifo pipe
	"$RKT" --dir="$STORE" --insecure-options=image fetch ./pipe >fetch.out 2>&1 &
	local pid=$!
	# Writing more than a pipe holds returns only once rkt has read most of it: rkt is then in
	# the middle of its import.
	exec 7>pipe
	head -c 2000000 big.aci >&7
	[ -n "$(ls -A "$STORE/cas/tmp")" ] || fail "no import in progress"
	kill -KILL "$pid"
	exec 7>&-
	wait "$pid" || true
	# The next command cleans up after it.
	rkt_ok image list --no-legend
	[ -z "$output" ]
	expect_consistent_store
	expect_empty_store
	# And the image can be fetched afterwards.
	fetch_ok big.aci
	expect_consistent_store
}

@test "the same image fetched from two files keeps one blob" {
	fetch_ok "$APPC/aci/minimal.aci"
	local id=$output
	fetch_ok "$APPC/aci/minimal-bzip2.aci"
	[ "$output" = "$id" ]
	expect_consistent_store
}
