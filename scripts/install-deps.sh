#!/usr/bin/env bash
# Installs what building and running runtime-detector needs on Debian/Ubuntu, and
# builds a position-independent libbpf.a to link into the JNI library (the distro's
# static libbpf is not PIC, so it cannot go into a shared object).
# Idempotent: a second run installs nothing and rebuilds nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LIBBPF_OUT="$ROOT/.build/libbpf"
# prometheus: its promtool checks the /metrics output in the end-to-end test.
PACKAGES=(clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool gcc make maven openjdk-17-jdk-headless pkg-config prometheus)
# The container image (`make image`, deploy/image/build.sh) and its end-to-end test: podman
# with runc (crun refuses hybrid cgroup hierarchies), slirp4netns for the pod's published
# ports, mmdebstrap for the base root filesystem, Debian's JDK 17 for its jmods (jlink),
# busybox-static for the test's service containers, containerd for the archive's `ctr images import`.
IMAGE_PACKAGES=(podman runc slirp4netns mmdebstrap busybox-static openjdk-17-jdk-headless containerd)
# Container attribution's tests: containerd with its CRI plugin, started by the tests with
# a private config, root, state and socket (the package's own service is not used).
RUNTIME_PACKAGES=(containerd)

say() { echo "install-deps: $*" >&2; }

need_root() {
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
      say "packages are missing and this is not root: run as root or install: $*"; exit 1
    fi
  else
    SUDO=
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A JDK already on PATH (17 or newer) will do.
if command -v javac >/dev/null 2>&1; then
  missing=("${missing[@]/openjdk-17-jdk-headless}")
fi
if command -v mvn >/dev/null 2>&1; then
  missing=("${missing[@]/maven}")
fi
read -r -a missing <<<"${missing[*]:-}"
# The image's runtime is Debian's JDK 17, whatever JDK builds the jars.
for p in "${IMAGE_PACKAGES[@]}" "${RUNTIME_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  need_root "${missing[@]}"
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ -f "$LIBBPF_OUT/lib/libbpf.a" ]; then
  exit 0
fi

# The same libbpf version as the headers the BPF side compiles against, from
# Debian's source package.
version="$(dpkg-query -W -f='${Version}' libbpf-dev)"
work="$(mktemp -d)"
chmod 755 "$work"  # _apt must get through to the directories it downloads into
trap 'rm -rf "$work"' EXIT
say "building a PIC libbpf.a from Debian's libbpf $version source"
# apt-get source needs a deb-src entry. Rather than add one to the machine's own apt
# sources, apt runs here on a private sources list, lists and cache (and an empty
# dpkg status), so the machine's apt configuration stays exactly as it was.
. /etc/os-release
codename="${VERSION_CODENAME:-bookworm}"
key=/usr/share/keyrings/debian-archive-keyring.gpg
suites=("http://deb.debian.org/debian $codename main" "http://deb.debian.org/debian $codename-updates main"
        "http://deb.debian.org/debian-security $codename-security main")
if [ "${ID:-debian}" = ubuntu ]; then
  key=/usr/share/keyrings/ubuntu-archive-keyring.gpg
  suites=("http://archive.ubuntu.com/ubuntu $codename main universe"
          "http://archive.ubuntu.com/ubuntu $codename-updates main universe"
          "http://security.ubuntu.com/ubuntu $codename-security main universe")
fi
apt_dir="$work/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
printf "deb-src [signed-by=$key] %s\n" "${suites[@]}" >"$apt_dir/sources.list"
: >"$apt_dir/status"
mkdir -p "$work/download"
# As root, apt downloads as _apt, which must be able to write there.
chown -R _apt:root "$apt_dir/lists" "$apt_dir/cache" "$work/download" 2>/dev/null || true
APT_PRIVATE=(
  -o Dir::Etc::sourcelist="$apt_dir/sources.list"
  -o Dir::Etc::sourceparts=/dev/null
  -o Dir::State::Lists="$apt_dir/lists"
  -o Dir::State::status="$apt_dir/status"
  -o Dir::Cache="$apt_dir/cache"
  -o Acquire::Languages=none
)
apt-get "${APT_PRIVATE[@]}" -qq update
(cd "$work/download" && apt-get "${APT_PRIVATE[@]}" source -qq --download-only "libbpf=$version" >/dev/null 2>&1 \
  || apt-get "${APT_PRIVATE[@]}" source -qq --download-only libbpf >/dev/null)
tar -C "$work" -xzf "$work"/download/libbpf_*.orig.tar.gz
src="$(find "$work" -maxdepth 2 -type d -name src -path '*libbpf*' | head -n1)"
mkdir -p "$work/obj"
make -s -C "$src" -j"$(nproc)" BUILD_STATIC_ONLY=1 OBJDIR="$work/obj" EXTRA_CFLAGS="-fPIC -O2" \
  DESTDIR="$LIBBPF_OUT" PREFIX=/ LIBDIR=/lib install >/dev/null
say "libbpf.a ready in $LIBBPF_OUT"
