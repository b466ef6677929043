#!/usr/bin/env bash
# fetch-kernel.sh SUITE PACKAGE|auto DEST [DEBIAN_ARCH]
# Downloads one Debian cloud kernel package and unpacks it into DEST (boot/, lib/modules/).
# apt runs on private state: its own sources list, lists, cache and an empty dpkg
# status, so the machine's apt configuration is read for nothing and changed in nothing.
# PACKAGE "auto" takes what SUITE's linux-image-cloud-DEBIAN_ARCH depends on.
# DEBIAN_ARCH: amd64 (default) or arm64.
set -euo pipefail

suite="$1" pkg="$2" dest="$3" arch="${4:-amd64}"
KERNELS_WORK="${KERNELS_WORK:?}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
KEYRING="${DEBIAN_KEYRING:-/usr/share/keyrings/debian-archive-keyring.gpg}"

say() { echo "fetch-kernel[$suite/$arch]: $*" >&2; }

if [ -f "$dest/.complete" ]; then
  exit 0
fi

apt_dir="$KERNELS_WORK/apt/$suite-$arch"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/debs"
: >"$apt_dir/status"
case "$suite" in
  *-security) mirror="$SECURITY_MIRROR" ;;
  *) mirror="$MIRROR" ;;
esac
cat >"$apt_dir/sources.list" <<SRC
deb [arch=$arch signed-by=$KEYRING] $mirror $suite main
SRC
# _apt downloads into these.
chown -R _apt:root "$apt_dir/lists" "$apt_dir/cache" "$apt_dir/debs" 2>/dev/null || true
chmod -R 755 "$apt_dir"

APT_OPTS=(
  -o Dir::Etc::sourcelist="$apt_dir/sources.list"
  -o Dir::Etc::sourceparts=/dev/null
  -o Dir::Etc::preferences=/dev/null
  -o Dir::Etc::preferencesparts=/dev/null
  -o Dir::State::Lists="$apt_dir/lists"
  -o Dir::State::status="$apt_dir/status"
  -o Dir::Cache="$apt_dir/cache"
  -o Dir::Cache::archives="$apt_dir/cache/archives"
  -o APT::Architecture="$arch"
  -o APT::Architectures::="$arch"
  -o Acquire::Languages=none
)

lists_fresh() { find "$apt_dir/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 | grep -q .; }
if ! lists_fresh; then
  say "apt-get update (private lists in $apt_dir)"
  apt-get "${APT_OPTS[@]}" -qq update
fi

if [ "$pkg" = auto ]; then
  pkg="$(apt-cache "${APT_OPTS[@]}" depends "linux-image-cloud-$arch" \
    | sed -n "s/^ *Depends: \(linux-image-[0-9].*-cloud-$arch\)\$/\1/p" | head -n1)"
  [ -n "$pkg" ] || { say "linux-image-cloud-$arch in $suite depends on no kernel image"; exit 1; }
  # The unsigned build is the same kernel without the Secure Boot signature.
  if apt-cache "${APT_OPTS[@]}" show "$pkg-unsigned" >/dev/null 2>&1; then
    pkg="$pkg-unsigned"
  fi
fi
say "downloading $pkg"
(cd "$apt_dir/debs" && rm -f ./*.deb && apt-get "${APT_OPTS[@]}" -qq download "$pkg")
deb="$(ls "$apt_dir"/debs/*.deb | head -n1)"
rm -rf "$dest"
mkdir -p "$dest"
dpkg-deb -x "$deb" "$dest"
echo "$pkg" >"$dest/.package"
echo "$arch" >"$dest/.arch"
touch "$dest/.complete"
say "unpacked $(basename "$deb")"
