#!/bin/sh
# Installs the Debian 12 packages that building and testing rkt needs, if any are missing.
#   scripts/install-deps.sh          build + test packages
#   scripts/install-deps.sh --ci     also what CI alone needs (clang for ASan/UBSan and libFuzzer,
#                                    clang-format)
# Without root it only lists what is missing and fails, so `make` says what to do.
set -eu

PACKAGES="gcc libc6-dev make pkg-config meson ninja-build
libjson-c-dev libarchive-dev libisal-dev libssl-dev libcmocka-dev
bats jq busybox-static appc-spec attr xz-utils bzip2 zstd gzip coreutils
librnp-dev libcurl4-openssl-dev libsqlite3-dev libseccomp-dev gnupg sqv openssl python3
util-linux bsdutils isal time procps man-db groff-base crun e2fsprogs
umoci skopeo docker-registry
containernetworking-plugins iptables iproute2 curl
libmicrohttpd-dev
golang-go golang-github-appc-spec-dev"

if [ "${1:-}" = "--ci" ]; then
	PACKAGES="$PACKAGES clang libclang-rt-14-dev clang-format git"
fi

missing=""
for p in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$status" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing Debian packages:$missing" >&2
	echo "install-deps: run as root, or: apt-get install$missing" >&2
	exit 1
fi

echo "install-deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
