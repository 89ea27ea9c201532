#!/bin/sh
# Builds the appc ACE validator pair from Debian's golang-github-appc-spec-dev (the appc spec's
# ace/validator.go, the conformance program for executors) with our actool:
#
#   build-ace-acis.sh OUTDIR
#
# writes OUTDIR/ace-validator-main.aci (coreos.com/ace-validator-main: /ace-validator main, with
# pre-start and post-stop handlers) and OUTDIR/ace-validator-sidekick.aci
# (coreos.com/ace-validator-sidekick). Debian ships the validator's source but not upstream's
# manifest templates (ace/image_manifest_{main,sidekick}.json.in of appc/spec), so the manifests
# are written here with the values validator.go asserts: working directory /opt/acvalidator,
# IN_ACE_VALIDATOR=correct, a read-write mount point "database" at /db, and annotations the
# metadata service must hand back in order. Needs golang-go and golang-github-appc-spec-dev
# (scripts/install-deps.sh); offline.
set -eu

out=${1:?usage: build-ace-acis.sh OUTDIR}
: "${ACTOOL:?ACTOOL must name our actool}"
gocode=/usr/share/gocode
pkg=github.com/appc/spec/ace

die() {
	echo "build-ace-acis: $*" >&2
	exit 1
}
command -v go >/dev/null || die "no go compiler (apt-get install golang-go)"
[ -f "$gocode/src/$pkg/validator.go" ] ||
	die "no $gocode/src/$pkg (apt-get install golang-github-appc-spec-dev)"

case "$(uname -m)" in
x86_64) arch=amd64 ;;
aarch64) arch=aarch64 ;;
*) arch=$(uname -m) ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/ace-build.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"

# GOPATH mode over Debian's source tree; static, so the images need nothing else.
GO111MODULE=off GOPATH="$work/gopath:$gocode" GOCACHE="$work/cache" GOFLAGS= CGO_ENABLED=0 \
	go build -trimpath -ldflags '-s -w' -o "$work/ace-validator" "$pkg"

labels='[{"name":"version","value":"0.8.11"},{"name":"os","value":"linux"},
	{"name":"arch","value":"'"$arch"'"}]'
db='[{"name":"database","path":"/db","readOnly":false}]'

layout() { # layout NAME: a rootfs with the validator and its working directory
	mkdir -p "$work/$1/rootfs/opt/acvalidator"
	cp "$work/ace-validator" "$work/$1/rootfs/ace-validator"
	chmod 0755 "$work/$1/rootfs/ace-validator"
}

layout main
cat >"$work/main/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"coreos.com/ace-validator-main",
 "labels":$labels,
 "app":{"exec":["/ace-validator","main"],
  "eventHandlers":[{"name":"pre-start","exec":["/ace-validator","prestart"]},
                   {"name":"post-stop","exec":["/ace-validator","poststop"]}],
  "user":"0","group":"0","workingDirectory":"/opt/acvalidator",
  "environment":[{"name":"IN_ACE_VALIDATOR","value":"correct"}],
  "mountPoints":$db,
  "ports":[{"name":"www","protocol":"tcp","port":80}],
  "isolators":[{"name":"resource/memory","value":{"limit":"1G"}}]},
 "annotations":[{"name":"created","value":"2014-10-27T19:32:27.67021798Z"},
  {"name":"authors","value":"Carly Container <carly@example.com>, Nat Network <nat@example.com>"},
  {"name":"homepage","value":"https://github.com/appc/spec"},
  {"name":"documentation","value":"https://github.com/appc/spec/blob/master/README.md"},
  {"name":"lorem","value":"ipsum"}]}
JSON

layout sidekick
cat >"$work/sidekick/manifest" <<JSON
{"acKind":"ImageManifest","acVersion":"0.8.11","name":"coreos.com/ace-validator-sidekick",
 "labels":$labels,
 "app":{"exec":["/ace-validator","sidekick"],"user":"0","group":"0","mountPoints":$db}}
JSON

for n in main sidekick; do
	"$ACTOOL" build --owner-root --overwrite "$work/$n" "$out/ace-validator-$n.aci"
done
