#!/usr/bin/env bash
# Installs what building and running runtime-detector needs on Debian/Ubuntu, and
# builds a position-independent libbpf.a to link into the JNI library (the distro's
# static libbpf is not PIC, so it cannot go into a shared object), once for x86-64 and
# once for arm64: the jar carries the JNI library of both, and the arm64 one is
# cross-built here with Debian's cross compiler against a sysroot of Debian's arm64
# libelf and zlib packages (.build/sysroot-arm64, the host's exact versions, extracted,
# so that the machine's dpkg architectures stay as they are).
# Idempotent: a second run installs nothing and rebuilds nothing.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
LIBBPF_OUT="$ROOT/.build/libbpf"
LIBBPF_ARM64_OUT="$ROOT/.build/libbpf-arm64"
SYSROOT_ARM64="$ROOT/.build/sysroot-arm64"
# The arm64 packages of the sysroot: what -lelf -lz link against and libbpf compiles with,
# at the host's versions; and Debian's arm64 JDK 17, whose jmods this machine's jlink links
# into the arm64 image's JRE (`make image`; jlink wants the same feature release, 17).
SYSROOT_PACKAGES=(libelf-dev libelf1 zlib1g-dev zlib1g)
SYSROOT_JDK=openjdk-17-jdk-headless
SYSROOT_JMODS="$SYSROOT_ARM64/usr/lib/jvm/java-17-openjdk-arm64/jmods"
# prometheus: its promtool checks the /metrics output in the end-to-end test.
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross (not a dependency of the former): the arm64 JNI library. gcc-12-multilib: the 32-bit (ia32) program of
# the compat-syscall kernel test (gcc -m32); the gcc-multilib metapackage would conflict
# with the cross compiler, its gcc-12 part does not.
PACKAGES=(clang llvm libbpf-dev libelf-dev zlib1g-dev bpftool gcc make maven openjdk-17-jdk-headless pkg-config prometheus
          gcc-aarch64-linux-gnu libc6-dev-arm64-cross gcc-12-multilib)
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

sysroot_ready() { [ -f "$SYSROOT_ARM64/.complete" ] && [ -f "$SYSROOT_JMODS/java.base.jmod" ]; }
if [ -f "$LIBBPF_OUT/lib/libbpf.a" ] && [ -f "$LIBBPF_ARM64_OUT/lib/libbpf.a" ] && sysroot_ready; then
  exit 0
fi

work="$(mktemp -d)"
chmod 755 "$work"  # _apt must get through to the directories it downloads into
trap 'rm -rf "$work"' EXIT
# Debian's archive is read through apt on a private sources list, lists, cache (and an
# empty dpkg status), so the machine's apt configuration stays exactly as it was.
. /etc/os-release
codename="${VERSION_CODENAME:-bookworm}"
key=/usr/share/keyrings/debian-archive-keyring.gpg
suites=("http://deb.debian.org/debian $codename main" "http://deb.debian.org/debian $codename-updates main"
        "http://deb.debian.org/debian-security $codename-security main")
ports=("${suites[@]}")
if [ "${ID:-debian}" = ubuntu ]; then
  key=/usr/share/keyrings/ubuntu-archive-keyring.gpg
  suites=("http://archive.ubuntu.com/ubuntu $codename main universe"
          "http://archive.ubuntu.com/ubuntu $codename-updates main universe"
          "http://security.ubuntu.com/ubuntu $codename-security main universe")
  # Ubuntu serves arm64 from its ports archive.
  ports=("http://ports.ubuntu.com/ubuntu-ports $codename main universe"
         "http://ports.ubuntu.com/ubuntu-ports $codename-updates main universe"
         "http://ports.ubuntu.com/ubuntu-ports $codename-security main universe")
fi
private_apt() { # NAME SOURCES-LINE...: sets APT_PRIVATE for an apt state of its own in $work/NAME
  local dir="$work/$1"; shift
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/download"
  printf "%s\n" "$@" >"$dir/sources.list"
  : >"$dir/status"
  # As root, apt downloads as _apt, which must be able to write there.
  chown -R _apt:root "$dir/lists" "$dir/cache" "$dir/download" 2>/dev/null || true
  APT_PRIVATE=(
    -o Dir::Etc::sourcelist="$dir/sources.list"
    -o Dir::Etc::sourceparts=/dev/null
    -o Dir::Etc::preferences=/dev/null
    -o Dir::Etc::preferencesparts=/dev/null
    -o Dir::State::Lists="$dir/lists"
    -o Dir::State::status="$dir/status"
    -o Dir::Cache="$dir/cache"
    -o Acquire::Languages=none
  )
  apt-get "${APT_PRIVATE[@]}" -qq update
}

if ! sysroot_ready; then
  say "extracting Debian's arm64 ${SYSROOT_PACKAGES[*]} $SYSROOT_JDK into $SYSROOT_ARM64"
  lines=()
  for s in "${ports[@]}"; do lines+=("deb [arch=arm64 signed-by=$key] $s"); done
  private_apt arm64 "${lines[@]}"
  APT_PRIVATE+=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64)
  wanted=()
  for p in "${SYSROOT_PACKAGES[@]}"; do
    # The arm64 twin of what is installed here, so headers and libraries agree.
    v="$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || true)"
    [ -n "$v" ] || { say "$p is not installed here, so the arm64 sysroot has no version to match"; exit 1; }
    wanted+=("$p:arm64=$v")
  done
  (cd "$work/arm64/download" && apt-get "${APT_PRIVATE[@]}" -qq download "${wanted[@]}") || {
    say "Debian's archive no longer serves ${wanted[*]} (the host's versions); upgrade libelf-dev and zlib1g-dev here (apt-get install --only-upgrade libelf-dev zlib1g-dev) and run this again"
    exit 1
  }
  (cd "$work/arm64/download" && apt-get "${APT_PRIVATE[@]}" -qq download "$SYSROOT_JDK:arm64")
  rm -rf "$SYSROOT_ARM64"
  mkdir -p "$SYSROOT_ARM64"
  for deb in "$work"/arm64/download/*.deb; do dpkg-deb -x "$deb" "$SYSROOT_ARM64"; done
  # Absolute links (libz.so -> /lib/aarch64-linux-gnu/...) point into the sysroot instead.
  while IFS= read -r link; do
    t="$(readlink "$link")"
    case "$t" in /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$SYSROOT_ARM64$t")" "$link" ;; esac
  done < <(find "$SYSROOT_ARM64" -type l)
  printf '%s\n' "${wanted[@]}" >"$SYSROOT_ARM64/.packages"
  touch "$SYSROOT_ARM64/.complete"
fi

if [ -f "$LIBBPF_OUT/lib/libbpf.a" ] && [ -f "$LIBBPF_ARM64_OUT/lib/libbpf.a" ]; then
  exit 0
fi

# The same libbpf version as the headers the BPF side compiles against, from
# Debian's source package.
version="$(dpkg-query -W -f='${Version}' libbpf-dev)"
say "building PIC libbpf.a (x86-64 and arm64) from Debian's libbpf $version source"
lines=()
for s in "${suites[@]}"; do lines+=("deb-src [signed-by=$key] $s"); done
private_apt src "${lines[@]}"
(cd "$work/src/download" && apt-get "${APT_PRIVATE[@]}" source -qq --download-only "libbpf=$version" >/dev/null 2>&1 \
  || apt-get "${APT_PRIVATE[@]}" source -qq --download-only libbpf >/dev/null)
tar -C "$work" -xzf "$work"/src/download/libbpf_*.orig.tar.gz
src="$(find "$work" -maxdepth 2 -type d -name src -path '*libbpf*' | head -n1)"
build_libbpf() { # OUT CC EXTRA_CFLAGS
  local out="$1" cc="$2" cflags="$3"
  [ -f "$out/lib/libbpf.a" ] && return 0
  rm -rf "$work/obj"
  mkdir -p "$work/obj"
  make -s -C "$src" -j"$(nproc)" CC="$cc" BUILD_STATIC_ONLY=1 OBJDIR="$work/obj" EXTRA_CFLAGS="-fPIC -O2 $cflags" \
    DESTDIR="$out" PREFIX=/ LIBDIR=/lib install >/dev/null
  say "libbpf.a ready in $out"
}
build_libbpf "$LIBBPF_OUT" gcc ""
# libbpf needs only libelf's and zlib's headers to compile; the sysroot has the arm64 ones.
build_libbpf "$LIBBPF_ARM64_OUT" aarch64-linux-gnu-gcc "-I$SYSROOT_ARM64/usr/include"
