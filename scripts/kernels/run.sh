#!/usr/bin/env bash
# make test-kernels: the kernel tests of kernel-probe and engine plus the sample app end
# to end, on Debian cloud kernels booted under qemu (TCG), against this machine's root
# filesystem. Writes KERNELS.md. Needs root (mounts, virtiofsd) on Debian/Ubuntu x86_64.
#
# Knobs (environment):
#   KERNELS         which of the known kernels to run, e.g. "6.1" (default: all)
#   KERNEL_TIMEOUT  seconds one guest may run in all (default 3600)
#   STEP_TIMEOUT    seconds one step in the guest may take (default 1200)
#   TIME_SCALE      factor on the kernel tests' waits for events in the guest (default 6)
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
JUNIT_CONSOLE_VERSION="${JUNIT_CONSOLE_VERSION:-1.11.4}"
# name  suite  package ("auto": what the suite's linux-image-cloud-amd64 depends on).
# 5.10: bullseye's own suite stops at 5.10.0-32; its security suite has later builds,
# of which -43 is the newest the mirror still serves.
KNOWN=(
  "5.10 bullseye-security linux-image-5.10.0-43-cloud-amd64-unsigned"
  "6.1 bookworm auto"
  "6.12 bookworm-backports auto"
)
HOST_PACKAGES=(qemu-system-x86 busybox-static cpio xz-utils zstd)

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
  read -r name _ _ <<<"$k"
  if [ -z "${KERNELS:-}" ] || [[ " $KERNELS " == *" $name "* ]]; then selected+=("$k"); fi
done
[ "${#selected[@]}" -gt 0 ] || { say "KERNELS=$KERNELS names none of: ${KNOWN[*]}"; exit 2; }

overall=0
for k in "${selected[@]}"; do
  read -r name suite pkg <<<"$k"
  kdir="$KERNELS_WORK/k/$name"
  out="$KERNELS_WORK/out/$name"
  rm -rf "$out"
  mkdir -p "$out"
  if ! "$HERE/fetch-kernel.sh" "$suite" "$pkg" "$kdir" || ! "$HERE/mkinitramfs.sh" "$kdir" "$kdir/initramfs.gz"; then
    printf 'setup\tfail\t0\t0\t0\t0\t0\tcannot download or prepare the kernel package\n' >"$out/results.tsv"
    overall=1
    continue
  fi
  # A copy too: bash reads a script as it runs it.
  cp "$HERE/guest.sh" "$out/guest.sh"
  cat >"$out/plan.env" <<PLAN
REPO=$ROOT
JAVA=$java_bin
LAUNCHER=$launcher
PROBE_CP=$probe_cp
ENGINE_CP=$engine_cp
PROBE_TESTS=$stage/kernel-probe/target/test-classes
ENGINE_TESTS=$stage/engine/target/test-classes
APP_JAR=$stage/sample-app/target/sample-app.jar
STEP_TIMEOUT=$STEP_TIMEOUT
TIME_SCALE=$TIME_SCALE
PLAN
  say "$name ($(cat "$kdir/.package")): booting; console in $out/console.log"
  set +e
  "$HERE/boot.sh" "$kdir" "$out" "$KERNEL_TIMEOUT"
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

"$HERE/report.sh" "$ROOT/KERNELS.md" "${selected[@]%% *}"
say "wrote $ROOT/KERNELS.md"
exit "$overall"
