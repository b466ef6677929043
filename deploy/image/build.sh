#!/usr/bin/env bash
# Builds the runtime-detector container image (`make image`) without pulling anything from
# a registry:
#   1. rootfs.tar: libc, libstdc++, libelf and zlib (what the JVM and the JNI library link against)
#      and their dependencies, extracted from Debian's packages by mmdebstrap, pruned of
#      documentation, locales and iconv modules; cached in .build/image by package list;
#   2. jre/: Debian's JDK 17 cut down by jlink to the modules jdeps finds in the jar (less
#      java.desktop, see below), plus jdk.crypto.ec (TLS to Kafka finds it as a provider,
#      which jdeps cannot see), with the JDK's class-data-sharing archive;
#   3. the app's shaded jar and the JVM's options (deploy/image/jvm.options);
#   4. an application class-data-sharing archive from a training run of the detector;
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
# java.desktop (10 MB of the JRE) only because jdeps sees java.beans behind code the
# detector never runs: Jackson's and Typesafe Config's bean support, Micrometer's log
# binders. The image's tests run the detector and its metrics without it (and a Kafka
# producer started against an unreachable broker loaded no class of it either).
modules="$(tr ',' '\n' <<<"$modules" | grep -vx java.desktop | paste -sd, -),jdk.crypto.ec"
say "jlink: $modules"
"$JDK/bin/jlink" --add-modules "$modules" "${JLINK_OPTS[@]}" --no-man-pages --no-header-files --compress=2 \
  --output "$ctx/jre" >/dev/null
# The JDK's CDS archive for heaps over 32 GiB, which this agent never has.
rm -f "$ctx/jre/lib/server/classes_nocoops.jsa"

# 3. The app, with the JVM's options.
mkdir -p "$ctx/app"
cp -p "$JAR" "$ctx/app/runtime-detector.jar"
# Whole seconds: the image's layer keeps the modification time in seconds (rounded), and the
# class-data-sharing archive is valid only for the jar's exact time.
touch -m -d "@$(stat -c %Y "$ctx/app/runtime-detector.jar")" "$ctx/app/runtime-detector.jar"
cp "$ROOT/deploy/image/jvm.options" "$ctx/app/jvm.options"
cp "$ROOT/deploy/image/Containerfile" "$ctx/Containerfile"

# 4. The application class-data-sharing archive, from a training run: the detector itself,
# started from the image's own files in a chroot (the archive is valid only for this JVM
# build and this jar, at this path, with this size and modification time), attached for a
# few seconds while processes come and go, then stopped with SIGTERM, when the JVM writes
# the classes it loaded. This loads the eBPF programs on the build machine for that time;
# where it cannot (no BTF, no privileges), the image is built without the archive.
train_cds() {
  local root=$work/train port=19$((RANDOM % 900 + 100)) pid i
  mkdir -p "$root"
  tar -C "$root" -xf "$ctx/rootfs.tar"
  mkdir -p "$root/opt"
  cp -a "$ctx/jre" "$root/opt/java"
  cp -a "$ctx/app" "$root/opt/runtime-detector"
  mkdir -p "$root/proc" "$root/sys/kernel/btf"
  # A mount namespace of its own: the chroot's mounts vanish with the training JVM.
  unshare --mount --propagation private -- sh -c '
    mount -t proc proc "$1/proc" && mount --bind /sys/kernel/btf "$1/sys/kernel/btf" &&
    exec chroot "$1" /opt/java/bin/java @/opt/runtime-detector/jvm.options \
      -XX:ArchiveClassesAtExit=/opt/runtime-detector/app.jsa -jar /opt/runtime-detector/runtime-detector.jar \
      --format=json --min-duration=0 --metrics-address=127.0.0.1 --metrics-port="$2"' sh "$root" "$port" \
    >"$work/train.log" 2>&1 &
  pid=$!
  for i in $(seq 300); do
    grep -q "detector ready" "$work/train.log" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if grep -q "detector ready" "$work/train.log"; then
    # What a node's detector does in its first minutes: report processes that come and go,
    # answer a metrics scrape.
    for i in $(seq 20); do /bin/sh -c 'sleep 0.05' & done
    wait $(jobs -p | grep -vx "$pid") 2>/dev/null || true
    (exec 3<>"/dev/tcp/127.0.0.1/$port" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3 >/dev/null) || true
    sleep 1
  fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" || true
  if [ -s "$root/opt/runtime-detector/app.jsa" ]; then
    cp "$root/opt/runtime-detector/app.jsa" "$ctx/app/app.jsa"
    printf '%s\n' "" "# Added by deploy/image/build.sh: the archive of its training run." \
      "-XX:SharedArchiveFile=/opt/runtime-detector/app.jsa" >>"$ctx/app/jvm.options"
    say "class-data-sharing archive: $(( $(stat -c %s "$ctx/app/app.jsa") / 1000000 )) MB"
  else
    say "no class-data-sharing archive: the training run did not attach ($(grep -v '^{' "$work/train.log" | tail -1)); the image works without it, only starts slower"
  fi
}
if [ "$arch" = "$host_arch" ]; then
  train_cds
else
  # The training run is the image's own java: on another architecture it would need emulation.
  say "no class-data-sharing archive for $arch: its training run would need this machine to run $arch code"
fi

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
