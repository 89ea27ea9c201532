#!/usr/bin/env bats
# actool patch-manifest: each flag changes what cat-manifest shows; bad values are refused.

load helpers

setup() {
	enter_tmpdir
	minimal_layout layout
	"$ACTOOL" build layout in.aci
}

# Patches in.aci into out.aci with the given flags, checks the result with our validate and
# the reference validate, and leaves its manifest in $manifest.
patch() {
	ours patch-manifest "$@" in.aci out.aci
	expect_success
	[ -z "$output" ]
	our_id out.aci >/dev/null
	run "$REF_ACTOOL" validate out.aci
	[ "$status" -eq 0 ] || fail "reference validate: $output"
	manifest=$("$ACTOOL" cat-manifest out.aci)
}

# Fails unless the jq expression holds for $manifest.
holds() {
	jq -e "$1" <<<"$manifest" >/dev/null || fail "not true: $1" "manifest: $manifest"
}

@test "--name replaces the name" {
	patch --name=example.com/renamed
	holds '.name == "example.com/renamed"'
}

@test "--exec replaces the command line, split at spaces" {
	patch '--exec=/bin/echo hello  world'
	holds '.app.exec == ["/bin/echo", "hello", "world"]'
}

@test "--user and --group replace the user and group" {
	patch --user=1000 --group=100
	holds '.app.user == "1000" and .app.group == "100"'
}

@test "--supplementary-groups and --supplementary-gids set the supplementary groups" {
	patch --supplementary-groups=10,20
	holds '.app.supplementaryGIDs == [10, 20]'
	rm out.aci
	patch --supplementary-gids=7
	holds '.app.supplementaryGIDs == [7]'
}

@test "--capability sets the retain set, --revoke-capability replaces it by a remove set" {
	patch --capability=CAP_NET_ADMIN,CAP_SYS_ADMIN
	holds '[.app.isolators[] | select(.name == "os/linux/capabilities-retain-set")]
		== [{"name": "os/linux/capabilities-retain-set",
		     "value": {"set": ["CAP_NET_ADMIN", "CAP_SYS_ADMIN"]}}]'
	mv out.aci in.aci
	patch --revoke-capability=CAP_MKNOD
	holds '[.app.isolators[].name] == ["os/linux/capabilities-remove-set"]'
	holds '.app.isolators[0].value.set == ["CAP_MKNOD"]'
}

@test "--capability with --revoke-capability is a usage error" {
	ours patch-manifest --capability=CAP_A --revoke-capability=CAP_B in.aci out.aci
	expect_usage_error "--capability"
	[ ! -e out.aci ]
}

@test "--mounts adds mount points" {
	patch --mounts=work,path=/opt,readOnly=true:data,path=/var/data
	holds '.app.mountPoints == [{"name": "work", "path": "/opt", "readOnly": true},
		{"name": "data", "path": "/var/data"}]'
}

@test "--ports adds ports" {
	patch --ports=http,protocol=tcp,port=80:dns,protocol=udp,port=53,count=2,socketActivated=true
	holds '.app.ports[0] == {"name": "http", "protocol": "tcp", "port": 80, "count": 1,
		"socketActivated": false}'
	holds '.app.ports[1].name == "dns" and .app.ports[1].count == 2'
	holds '.app.ports[1].socketActivated == true'
}

@test "--isolators adds resource, no-new-privileges and oom-score-adj isolators" {
	patch '--isolators=resource/cpu,request=50m,limit=100m:resource/memory,limit=1G:os/linux/no-new-privileges,true:os/linux/oom-score-adj,-500'
	holds '.app.isolators[0] == {"name": "resource/cpu",
		"value": {"request": "50m", "limit": "100m"}}'
	holds '.app.isolators[1] == {"name": "resource/memory", "value": {"limit": "1G"}}'
	holds '.app.isolators[2] == {"name": "os/linux/no-new-privileges", "value": true}'
	holds '.app.isolators[3] == {"name": "os/linux/oom-score-adj", "value": -500}'
}

@test "--isolators takes default=true as a boolean" {
	patch '--isolators=resource/block-bandwidth,default=true,limit=1M'
	holds '.app.isolators[0].value == {"default": true, "limit": "1M"}'
}

@test "--seccomp-mode with --seccomp-set sets a seccomp isolator" {
	patch --seccomp-mode=retain,errno=EPERM --seccomp-set=read,write,exit
	holds '.app.isolators == [{"name": "os/linux/seccomp-retain-set",
		"value": {"set": ["read", "write", "exit"], "errno": "EPERM"}}]'
}

@test "a bad quantity in --isolators is refused, nothing is written" {
	ours patch-manifest --isolators=resource/cpu,limit=12Qi in.aci out.aci
	expect_error "12Qi"
	[ ! -e out.aci ]
}

@test "a bad default in --isolators is refused" {
	ours patch-manifest --isolators=resource/memory,default=true in.aci out.aci
	expect_error "resource/memory"
	[ ! -e out.aci ]
}

@test "an isolator that cannot be patched in is refused" {
	ours patch-manifest --isolators=os/linux/selinux-context,user=u in.aci out.aci
	expect_error "os/linux/selinux-context" "not supported"
	[ ! -e out.aci ]
}

@test "an out-of-range oom-score-adj is refused" {
	ours patch-manifest --isolators=os/linux/oom-score-adj,5000 in.aci out.aci
	expect_error "5000"
	[ ! -e out.aci ]
}

@test "bad --mounts, --ports, --name and --supplementary-groups values are refused" {
	ours patch-manifest --mounts=Work,path=/opt in.aci out.aci
	expect_error "Work"
	ours patch-manifest --mounts=work in.aci out.aci
	expect_error "path"
	ours patch-manifest --mounts=work,path=/opt,readOnly=maybe in.aci out.aci
	expect_error "maybe"
	ours patch-manifest --ports=http,protocol=tcp,port=99999 in.aci out.aci
	expect_error "99999"
	ours patch-manifest --ports=http,protocol=tcp,port=80,color=red in.aci out.aci
	expect_error "color"
	ours patch-manifest --name=Not/An/Identifier in.aci out.aci
	expect_error "Not/An/Identifier"
	ours patch-manifest --supplementary-groups=1,-2 in.aci out.aci
	expect_error "'-2'"
	[ ! -e out.aci ]
}

@test "--replace rewrites the input in place and leaves no temporary file" {
	mkdir dir
	mv in.aci dir/in.aci
	ours patch-manifest --replace --user=42 dir/in.aci
	expect_success
	[ "$(ls -A dir)" = in.aci ]
	"$ACTOOL" cat-manifest dir/in.aci | jq -e '.app.user == "42"'
}

@test "--replace with --overwrite, or with two files, is a usage error" {
	ours patch-manifest --replace --overwrite --user=1 in.aci
	expect_usage_error "--replace"
	ours patch-manifest --replace --user=1 in.aci out.aci
	expect_usage_error "--replace"
	[ ! -e out.aci ]
}

@test "without --replace an output file is needed" {
	ours patch-manifest --user=1 in.aci
	expect_usage_error "output"
}

@test "an existing output is kept without --overwrite, replaced with it" {
	echo precious >out.aci
	ours patch-manifest --user=1 in.aci out.aci
	expect_error "'out.aci'" "--overwrite"
	[ "$(cat out.aci)" = precious ]
	ours patch-manifest --overwrite --user=1 in.aci out.aci
	expect_success
	"$ACTOOL" cat-manifest out.aci | jq -e '.app.user == "1"'
}

@test "--manifest replaces the manifest with a file" {
	write_manifest new example.com/other '{"exec":["/bin/sh"],"user":"5","group":"6"}'
	patch --manifest=new/manifest
	holds '.name == "example.com/other" and .app.user == "5"'
}

@test "--manifest with an invalid manifest is refused" {
	echo '{"acKind":"ImageManifest","acVersion":"0.8.11","name":"BAD"}' >bad.json
	ours patch-manifest --manifest=bad.json in.aci out.aci
	expect_error "bad.json" "BAD"
	[ ! -e out.aci ]
}

@test "--manifest with another edit is a usage error" {
	write_manifest new example.com/other
	ours patch-manifest --manifest=new/manifest --name=example.com/x in.aci out.aci
	expect_usage_error "--manifest"
}

@test "an image without an app gets one from --exec, and refuses other app edits" {
	write_manifest bare example.com/bare
	mkdir bare/rootfs
	"$ACTOOL" build bare bare.aci
	ours patch-manifest --user=1 bare.aci out.aci
	expect_error "app"
	ours patch-manifest --exec=/bin/sh --user=0 --group=0 bare.aci out.aci
	expect_success
	"$ACTOOL" cat-manifest out.aci | jq -e '.app.exec == ["/bin/sh"]'
}

@test "the rootfs is copied unchanged" {
	rm -r layout in.aci
	busybox_layout layout
	"$ACTOOL" build layout in.aci
	patch --name=example.com/renamed
	[ "$(tar -tzf in.aci | tail -n +2)" = "$(tar -tzf out.aci | tail -n +2)" ]
	cmp <(tar -xzOf in.aci rootfs/bin/busybox) "$BUSYBOX"
	cmp <(tar -xzOf out.aci rootfs/bin/busybox) "$BUSYBOX"
}

@test "--no-compression and --compression choose the output compression" {
	patch --no-compression --user=1
	[ "$(our_compression out.aci)" = none ]
	rm out.aci
	patch --compression=xz --user=1
	[ "$(our_compression out.aci)" = xz ]
}

@test "an invalid input ACI is reported" {
	ours patch-manifest --user=1 "$APPC/aci/path-traversal.aci" out.aci
	expect_error "path-traversal.aci"
	[ ! -e out.aci ]
}

@test "the output name must end in .aci" {
	ours patch-manifest --user=1 in.aci out.tar
	expect_error "'out.tar'" ".aci"
	[ ! -e out.tar ]
}

@test "an unknown flag is a usage error" {
	ours patch-manifest --color=red in.aci out.aci
	expect_usage_error "unknown option '--color'"
}
