#!/usr/bin/env bash
# make test-kernels: the kernel tests of kernel-probe and engine plus the sample app end
# to end, on Debian cloud kernels booted under qemu (TCG): the x86-64 ones against this
# machine's root filesystem, the arm64 ones under qemu-system-aarch64 against an arm64
# userland extracted from Debian's packages (mmdebstrap --variant=extract: Java, bash,
# coreutils, util-linux, bpftool, busybox), into which the build's tree and the Maven
# repository are bound from the host, and the tests' C helpers cross-built here. Writes
# KERNELS.md. Needs root (mounts, virtiofsd) on Debian/Ubuntu x86_64.
#
# Knobs (environment):
#   KERNELS         which of the known kernels to run, by name or architecture, e.g. "6.1",
#                   "arm64-6.12" or "arm64" (default: all)
#   KERNEL_TIMEOUT  seconds one guest may run in all (default 3600)
#   STEP_TIMEOUT    seconds one step in the guest may take (default 1200)
#   TIME_SCALE      factor on the kernel tests' waits for events in the guest (default 6)
#   ARM64_FULL      1: the arm64 guests run every kernel test; default 0: all but the
#                   ring-buffer volume tests (tag "volume"), which take 2 to 5 minutes
#                   each under aarch64 TCG and test no architecture-specific code
#   BOTH_VARIANTS   1 (default): on a kernel with bpf_loop, the kernel tests run again with the
#                   bounded-loop programs forced; 0: only with the variant the probe picks
#   MVN             the Maven command (default "mvn -B -ntp"; add -o to stay offline)
#   GUEST_MEM       guest memory (default 4G)
# Exit status: 0 when every step passed on every kernel, 1 otherwise, 2 on setup errors.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HERE="$ROOT/scripts/kernels"
export KERNELS_WORK="$ROOT/.build/kernels"
MVN="${MVN:-mvn -B -ntp}"
KERNEL_TIMEOUT="${KERNEL_TIMEOUT:-3600}"
STEP_TIMEOUT="${STEP_TIMEOUT:-1200}"
TIME_SCALE="${TIME_SCALE:-6}"
BOTH_VARIANTS="${BOTH_VARIANTS:-1}"
JUNIT_CONSOLE_VERSION="${JUNIT_CONSOLE_VERSION:-1.11.4}"
# name  suite  package ("auto": what the suite's linux-image-cloud-ARCH depends on)  arch.
# 5.10: bullseye's own suite stops at 5.10.0-32; its security suite has later builds,
# of which -43 is the newest the mirror still serves for amd64; for arm64 it serves none
# of them, so arm64 takes bullseye's own 5.10.0-32 (built with BTF too).
KNOWN=(
  "5.10 bullseye-security linux-image-5.10.0-43-cloud-amd64-unsigned amd64"
  "6.1 bookworm auto amd64"
  "6.12 bookworm-backports auto amd64"
  "arm64-5.10 bullseye auto arm64"
  "arm64-6.1 bookworm auto arm64"
  "arm64-6.12 bookworm-backports auto arm64"
)
# qemu-system-arm has qemu-system-aarch64; mmdebstrap makes the arm64 userland;
# gcc-arm-linux-gnueabihf builds the AArch32 program of the compat-syscall test.
HOST_PACKAGES=(qemu-system-x86 qemu-system-arm mmdebstrap busybox-static cpio xz-utils zstd gcc-arm-linux-gnueabihf)
# The arm64 guest's userland: what guest.sh and the tests run (bash, coreutils' chroot,
# util-linux's unshare, setpriv and mount, bpftool's feature probe), Java, and the JNI
# library's libelf and zlib; busybox-static is the initramfs' /init.
ARM64_ROOT_PACKAGES=(bash coreutils dash util-linux mount findutils grep sed mawk procps bpftool
  openjdk-17-jre-headless libelf1 zlib1g busybox-static)
ARM64_JAVA=/usr/lib/jvm/java-17-openjdk-arm64/bin/java
# Left out of the arm64 guests unless ARM64_FULL=1 (a JUnit tag): the tests that push
# 10 000 processes through the ring buffer (KernelTestSupport.VOLUME). The rest covers,
# on arm64, every event type, the environment prefix after 2 000 variables, file opens
# (sys_exit, the architecture-specific program) and 32-bit (AArch32) ones, tracked pids,
# the tracked map's overflow, the engine's minimum duration, and with the sample app the
# JSON events and SIGTERM.
ARM64_EXCLUDED_TAG=volume
ARM64_FULL="${ARM64_FULL:-0}"

say() { echo "test-kernels: $*" >&2; }

[ "$(id -u)" -eq 0 ] || { say "needs root (bind mounts, virtiofsd): run: sudo make test-kernels"; exit 2; }
[ "$(uname -m)" = x86_64 ] || { say "only x86_64 hosts are supported"; exit 2; }

missing=()
for p in "${HOST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 update -qq
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends \
      "${missing[@]}" >/dev/null
  }
fi
"$ROOT/scripts/install-deps.sh"

mkdir -p "$KERNELS_WORK/lib"
# A run killed hard (SIGKILL, a host crash) can leave its read-only bind of / behind.
for stale in "$KERNELS_WORK"/run.*/hostroot; do
  [ -d "$stale" ] || continue
  if mountpoint -q "$stale"; then umount "$stale" || umount -l "$stale" || true; fi
  # Never a recursive delete through a bind of /.
  mountpoint -q "$stale" && { say "cannot unmount $stale: unmount it by hand"; exit 2; }
  { rmdir "$stale" && rm -f "$(dirname "$stale")"/*.sock && rmdir "$(dirname "$stale")"; } || true
done
say "building the project and the test classpaths"
(cd "$ROOT" && $MVN -q -DskipTests -DskipITs package dependency:build-classpath \
  -Dmdep.outputFile=target/kernels-classpath.txt -Dmdep.includeScope=test)
launcher="$KERNELS_WORK/lib/junit-platform-console-standalone-$JUNIT_CONSOLE_VERSION.jar"
if [ ! -f "$launcher" ]; then
  (cd "$ROOT" && $MVN -q -N dependency:copy \
    -Dartifact="org.junit.platform:junit-platform-console-standalone:$JUNIT_CONSOLE_VERSION" \
    -DoutputDirectory="$KERNELS_WORK/lib")
fi
java_bin="$(readlink -f "$(command -v java)")"

# The guests run a copy of what was built, so that building in the work tree while
# they run (an hour under TCG) cannot change the classes under a running test.
stage="$KERNELS_WORK/stage"
rm -rf "$stage"
staged() { # a classpath: entries inside the work tree are copied to $stage and renamed
  local entry rel result=()
  IFS=: read -r -a entries <<<"$1"
  for entry in "${entries[@]}"; do
    if [[ "$entry" == "$ROOT"/* ]]; then
      rel="${entry#"$ROOT"/}"
      if [ ! -e "$stage/$rel" ]; then
        mkdir -p "$(dirname "$stage/$rel")"
        cp -a "$entry" "$stage/$rel"
      fi
      entry="$stage/$rel"
    fi
    result+=("$entry")
  done
  (IFS=:; echo "${result[*]}")
}
probe_cp="$(staged "$ROOT/kernel-probe/target/test-classes:$ROOT/kernel-probe/target/classes:$(cat "$ROOT/kernel-probe/target/kernels-classpath.txt")")"
engine_cp="$(staged "$ROOT/engine/target/test-classes:$ROOT/engine/target/classes:$(cat "$ROOT/engine/target/kernels-classpath.txt")")"
staged "$ROOT/sample-app/target/sample-app.jar" >/dev/null

selected=()
for k in "${KNOWN[@]}"; do
  read -r name _ _ karch <<<"$k"
  if [ -z "${KERNELS:-}" ] || [[ " $KERNELS " == *" $name "* ]] || [[ " $KERNELS " == *" $karch "* ]]; then
    selected+=("$k")
  fi
done
[ "${#selected[@]}" -gt 0 ] || { say "KERNELS=$KERNELS names none of: ${KNOWN[*]}"; exit 2; }

# For arm64 guests: the userland (cached by its package list), and the C helpers the tests
# would otherwise compile in the guest, cross-built here.
arm64_root="" arm64_helpers="" binds=""
if [[ " ${selected[*]} " == *" arm64"* ]]; then
  arm64_root="$KERNELS_WORK/arm64-root-$(printf '%s\n' "${ARM64_ROOT_PACKAGES[@]}" awk merged-usr | sha256sum | cut -c1-12)"
  if [ ! -f "$arm64_root/.complete" ]; then
    say "extracting the arm64 userland (${ARM64_ROOT_PACKAGES[*]}) into $arm64_root"
    rm -rf "$arm64_root"
    # Merged /usr, as a Debian 12 system has it (/bin -> usr/bin): the tests expect the
    # executables' resolved paths to be /usr/bin/....
    mmdebstrap --quiet --variant=extract --arch=arm64 --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
      --include="$(IFS=,; echo "${ARM64_ROOT_PACKAGES[*]}")" bookworm "$arm64_root" >/dev/null
    # What maintainer scripts would have made and extract does not run: awk (mawk's alternative).
    ln -sfn mawk "$arm64_root/usr/bin/awk"
    [ -x "$arm64_root$ARM64_JAVA" ] || { say "the arm64 userland has no $ARM64_JAVA"; exit 2; }
    touch "$arm64_root/.complete"
  fi
  arm64_helpers="$stage/helpers-arm64"
  mkdir -p "$arm64_helpers"
  res="$ROOT/kernel-probe/src/test/resources/io/runtimedetector/probe"
  aarch64-linux-gnu-gcc -O1 -pthread -static -o "$arm64_helpers/rd_testproc" "$res/rd_testproc.c"
  arm-linux-gnueabihf-gcc -marm -fno-pie -no-pie -O1 -static -nostdlib -fno-stack-protector \
    -o "$arm64_helpers/rd_compat32" "$res/rd_compat32.c"
  # What the guest needs of the host: this tree (the staged classes, the launcher, the
  # out directories) and the Maven repository the classpaths point into.
  m2="$(tr ':' '\n' <<<"$probe_cp" | sed -n 's|^\(.*/repository\)/.*|\1|p' | head -n1)"
  binds="$ROOT${m2:+,$m2}"
fi

overall=0
for k in "${selected[@]}"; do
  read -r name suite pkg karch <<<"$k"
  kdir="$KERNELS_WORK/k/$name"
  out="$KERNELS_WORK/out/$name"
  rm -rf "$out"
  mkdir -p "$out"
  busybox=/bin/busybox guest_java="$java_bin" helpers="" exclude=""
  if [ "$karch" = arm64 ]; then
    busybox="$arm64_root/bin/busybox" guest_java="$ARM64_JAVA" helpers="$arm64_helpers"
    [ "$ARM64_FULL" = 1 ] || exclude="$ARM64_EXCLUDED_TAG"
  fi
  if ! "$HERE/fetch-kernel.sh" "$suite" "$pkg" "$kdir" "$karch" \
      || ! BUSYBOX="$busybox" "$HERE/mkinitramfs.sh" "$kdir" "$kdir/initramfs.gz"; then
    printf 'setup\tfail\t0\t0\t0\t0\t0\tcannot download or prepare the kernel package\n' >"$out/results.tsv"
    overall=1
    continue
  fi
  # A copy too: bash reads a script as it runs it.
  cp "$HERE/guest.sh" "$out/guest.sh"
  cat >"$out/plan.env" <<PLAN
REPO=$ROOT
JAVA=$guest_java
HELPERS=$helpers
LAUNCHER=$launcher
PROBE_CP=$probe_cp
ENGINE_CP=$engine_cp
PROBE_TESTS=$stage/kernel-probe/target/test-classes
ENGINE_TESTS=$stage/engine/target/test-classes
APP_JAR=$stage/sample-app/target/sample-app.jar
STEP_TIMEOUT=$STEP_TIMEOUT
BOTH_VARIANTS=$BOTH_VARIANTS
EXCLUDE_TAG=$exclude
TIME_SCALE=$TIME_SCALE
PLAN
  say "$name ($(cat "$kdir/.package")): booting; console in $out/console.log"
  set +e
  GUEST_ROOT="$arm64_root" GUEST_BINDS="$binds" "$HERE/boot.sh" "$kdir" "$out" "$KERNEL_TIMEOUT"
  rc=$?
  set -e
  case "$rc" in
    0) say "$name: all steps passed" ;;
    124) say "$name: the guest timed out after ${KERNEL_TIMEOUT}s"; overall=1
         printf 'guest\tfail\t0\t0\t0\t0\t%s\ttimed out after %ss\n' "$KERNEL_TIMEOUT" "$KERNEL_TIMEOUT" >>"$out/results.tsv" ;;
    125) say "$name: the guest did not get to run the tests"; overall=1
         printf 'guest\tfail\t0\t0\t0\t0\t0\tthe guest did not get to run the tests (see console.log)\n' >>"$out/results.tsv" ;;
    *) say "$name: failures (guest exit $rc)"; overall=1 ;;
  esac
done

# Every kernel of the architectures just run that has results here (an earlier run's
# included), so that KERNELS=arm64-6.1 does not drop the other arm64 rows.
report=()
for k in "${KNOWN[@]}"; do
  read -r name _ _ karch <<<"$k"
  if [[ " ${selected[*]} " == *" $karch"* ]] && [ -f "$KERNELS_WORK/out/$name/results.tsv" ]; then
    report+=("$name:$karch")
  fi
done
"$HERE/report.sh" "$ROOT/KERNELS.md" "${report[@]}"
say "wrote $ROOT/KERNELS.md"
exit "$overall"
