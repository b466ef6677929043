#!/usr/bin/env bash
# Builds the runtime-detector container image (`make image`) without pulling anything from
# a registry:
#   1. rootfs.tar: libc, libstdc++, libelf and zlib (what the JVM and the JNI library link against)
#      and their dependencies, extracted from Debian's packages by mmdebstrap, pruned of
#      documentation, locales and iconv modules; cached in .build/image by package list;
#   2. jre/: Debian's JDK 17 cut down by jlink to the modules jdeps finds in the jar, plus
#      jdk.crypto.ec (TLS to Kafka finds it as a provider, which jdeps cannot see), with
#      the JDK's class-data-sharing archive;
#   3. the app's shaded jar;
# then `podman build --pull=never` of deploy/image/Containerfile over that context. The
# image is tagged $IMAGE in podman's storage and saved as a docker-archive ($ARCHIVE),
# which `podman load`, `docker load`, `ctr images import` and `kind load image-archive`
# all take.
#
# Usage: deploy/image/build.sh [--jar PATH]     (needs root: podman's storage, mmdebstrap)
# Knobs: IMAGE (localhost/runtime-detector:dev: the chart's default image), ARCHIVE (deploy/target/runtime-detector-image.tar),
#        SUITE (bookworm), IMAGE_ARCH (this machine's; arm64 on an amd64 machine builds the
#        arm64 image: Debian's arm64 packages, and this machine's jlink linking the arm64
#        jmods that scripts/install-deps.sh extracts into .build/sysroot-arm64).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE=${IMAGE:-localhost/runtime-detector:dev}
ARCHIVE=${ARCHIVE:-$ROOT/deploy/target/runtime-detector-image.tar}
SUITE=${SUITE:-bookworm}
JAR=$ROOT/sample-app/target/sample-app.jar
# What the JVM (libjvm: libstdc++) and libruntimedetector.so (libelf, zlib) link against
# (ldd of both; java.desktop's X11 libraries are never loaded by a headless agent); mmdebstrap adds
# their dependencies (libgcc-s1, gcc-12-base).
BASE_PACKAGES=(libc6 libstdc++6 libelf1 zlib1g)

say() { echo "image: $*" >&2; }
fail() { say "$*"; exit 1; }

while [ $# -gt 0 ]; do
  case $1 in
    --jar) JAR=$2; shift 2 ;;
    --jar=*) JAR=${1#--jar=}; shift ;;
    *) fail "unknown argument '$1' (usage: deploy/image/build.sh [--jar PATH])" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || fail "building the image needs root (podman's storage and mmdebstrap's extraction); run: sudo make image"
for tool in podman mmdebstrap; do
  command -v "$tool" >/dev/null || fail "$tool is missing; scripts/install-deps.sh installs it (or: apt-get install $tool)"
done
[ -f "$JAR" ] || fail "$JAR is missing; build it first: make build"

host_arch=$(dpkg --print-architecture)
arch=${IMAGE_ARCH:-$host_arch}
case $arch in
  amd64) native=linux-x86_64 ;;
  arm64) native=linux-aarch64 ;;
  *) fail "no image for this machine's architecture '$arch': the JNI library is built for amd64 and arm64 only" ;;
esac
# An image whose jar lacks this architecture's JNI library would only fail on the node.
unzip -l "$JAR" "native/$native/libruntimedetector.so" >/dev/null 2>&1 \
  || fail "$JAR has no native/$native/libruntimedetector.so: it was not built for $arch"
JDK=/usr/lib/jvm/java-17-openjdk-$host_arch
[ -x "$JDK/bin/jlink" ] && [ -f "$JDK/jmods/java.base.jmod" ] \
  || fail "$JDK with its jmods is missing; scripts/install-deps.sh installs it (apt-get install openjdk-17-jdk-headless)"
JLINK_OPTS=(--strip-debug --generate-cds-archive)
PLATFORM=()
if [ "$arch" != "$host_arch" ]; then
  # Another architecture: its jmods, its objcopy for the native debug symbols, and no CDS
  # archive (generating one runs the image's java). FROM scratch with no RUN: nothing emulated.
  jmods=$ROOT/.build/sysroot-$arch/usr/lib/jvm/java-17-openjdk-$arch/jmods
  objcopy=$(command -v "$(case $arch in arm64) echo aarch64 ;; amd64) echo x86_64 ;; esac)-linux-gnu-objcopy" || true)
  [ -f "$jmods/java.base.jmod" ] || fail "$jmods is missing; scripts/install-deps.sh extracts Debian's $arch JDK there"
  [ -n "$objcopy" ] || fail "no objcopy for $arch; scripts/install-deps.sh installs Debian's cross toolchain"
  JLINK_OPTS=(--module-path "$jmods" --strip-java-debug-attributes --strip-native-debug-symbols=objcopy="$objcopy")
  PLATFORM=(--platform "linux/$arch")
fi

PODMAN=(podman --cgroup-manager=cgroupfs --events-backend=file)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
ctx=$work/context
mkdir -p "$ctx"

# 1. The base root filesystem, cached: Debian's packages change only with point releases.
cache=$ROOT/.build/image
mkdir -p "$cache"
base=$cache/rootfs-$SUITE-$arch-$(printf '%s\n' "${BASE_PACKAGES[@]}" | sha256sum | cut -c1-12).tar
if [ ! -f "$base" ]; then
  say "extracting ${BASE_PACKAGES[*]} from Debian $SUITE ($arch)"
  root=$work/rootfs
  mmdebstrap --quiet --variant=extract --arch="$arch" --include="$(IFS=,; echo "${BASE_PACKAGES[*]}")" \
    "$SUITE" "$root" >/dev/null
  # Not needed at run time: docs, locales, iconv modules (the JVM converts charsets
  # itself), apt's and dpkg's configuration (nothing is installed in the image).
  rm -rf "$root"/usr/share/{doc,man,info,locale,lintian} "$root"/usr/lib/*/gconv \
    "$root"/etc/apt "$root"/etc/dpkg "$root"/var/cache/* "$root"/var/lib/apt
  # The detector's java.io.tmpdir; the DaemonSet mounts an emptyDir over it.
  install -d -m 1777 "$root/tmp"
  tar --numeric-owner --sort=name --mtime=@0 -C "$root" -cf "$base.part" .
  mv "$base.part" "$base"
fi
cp "$base" "$ctx/rootfs.tar"

# 2. The JRE: only the modules the jar uses.
modules=$("$JDK/bin/jdeps" --multi-release 17 --ignore-missing-deps --print-module-deps "$JAR")
modules="$modules,jdk.crypto.ec"
say "jlink: $modules"
"$JDK/bin/jlink" --add-modules "$modules" "${JLINK_OPTS[@]}" --no-man-pages --no-header-files --compress=2 \
  --output "$ctx/jre" >/dev/null
# The JDK's CDS archive for heaps over 32 GiB, which this agent never has.
rm -f "$ctx/jre/lib/server/classes_nocoops.jsa"

# 3. The app.
cp "$JAR" "$ctx/runtime-detector.jar"
cp "$ROOT/deploy/image/Containerfile" "$ctx/Containerfile"

say "building $IMAGE"
previous=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
"${PODMAN[@]}" build --quiet --pull=never --network=none "${PLATFORM[@]}" \
  --label "org.opencontainers.image.title=runtime-detector" \
  --label "org.opencontainers.image.version=$(unzip -p "$JAR" META-INF/MANIFEST.MF | sed -n 's/^Implementation-Version: *//p' | tr -d '\r')" \
  --label "org.opencontainers.image.revision=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || echo unknown)" \
  -t "$IMAGE" -f "$ctx/Containerfile" "$ctx" >/dev/null

# The image this one replaces would stay behind untagged; one a container still uses stays.
current=$("${PODMAN[@]}" image inspect --format '{{.Id}}' "$IMAGE")
if [ -n "$previous" ] && [ "$previous" != "$current" ]; then
  "${PODMAN[@]}" rmi "$previous" >/dev/null 2>&1 || true
fi

mkdir -p "$(dirname "$ARCHIVE")"
rm -f "$ARCHIVE"
"${PODMAN[@]}" save --quiet --format docker-archive -o "$ARCHIVE" "$IMAGE"
size=$("${PODMAN[@]}" image inspect --format '{{.Size}}' "$IMAGE")
say "$IMAGE ready: $((size / 1000000)) MB uncompressed; archive $ARCHIVE"
