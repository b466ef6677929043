#!/usr/bin/env bash
# boot.sh KERNEL_DIR OUT_DIR TIMEOUT_SECONDS
# Boots one unpacked kernel under qemu (TCG) with the host's root shared read-only
# over virtiofs and OUT_DIR shared read-write, runs guest.sh there and waits at most
# TIMEOUT_SECONDS. The console goes to OUT_DIR/console.log. Exit status: the guest
# script's, 124 on timeout, 125 when the guest could not get as far as running it.
# An arm64 kernel (KERNEL_DIR/.arch) boots under qemu-system-aarch64 instead, on the
# arm64 userland GUEST_ROOT (an x86 root cannot run there); the host's root is then
# shared as well, and GUEST_BINDS (comma-separated host paths) appear at the same
# paths in the guest, read-only.
set -euo pipefail

kdir="$(realpath "$1")" out="$(realpath "$2")" limit="$3"
here="$(cd "$(dirname "$0")" && pwd)"
KERNELS_WORK="${KERNELS_WORK:?}"
MEM="${GUEST_MEM:-4G}"
VIRTIOFSD="${VIRTIOFSD:-/usr/lib/qemu/virtiofsd}"
arch="$(cat "$kdir/.arch" 2>/dev/null || echo amd64)"

say() { echo "boot[$(basename "$kdir")]: $*" >&2; }

vmlinuz="$(ls "$kdir"/boot/vmlinuz-* | head -n1)"
initrd="$kdir/initramfs.gz"
run="$(mktemp -d "$KERNELS_WORK/run.XXXXXX")"
ro="$run/hostroot"
mkdir -p "$ro"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if mountpoint -q "$ro"; then umount "$ro" || umount -l "$ro" || true; fi
  # Never a recursive delete through a bind of /.
  if ! mountpoint -q "$ro"; then
    { rmdir "$ro" && rm -f "$run"/*.sock && rmdir "$run"; } || true
  fi
}
trap cleanup EXIT

# The guest sees the host's root through a read-only bind mount, so nothing it does
# can reach the host's files; its writes land in a tmpfs overlay inside the guest.
mount --bind / "$ro"
mount -o remount,bind,ro "$ro"

shares=(root out)
if [ "$arch" = arm64 ]; then
  # The guest's root is the arm64 userland; the host's root comes as "host" for the binds.
  "$VIRTIOFSD" --socket-path="$run/root.sock" -o source="${GUEST_ROOT:?}" -o cache=auto -o sandbox=namespace \
    >"$out/virtiofsd-root.log" 2>&1 &
  pids+=($!)
  "$VIRTIOFSD" --socket-path="$run/host.sock" -o source="$ro" -o cache=auto -o sandbox=namespace \
    >"$out/virtiofsd-host.log" 2>&1 &
  pids+=($!)
  shares+=(host)
else
  "$VIRTIOFSD" --socket-path="$run/root.sock" -o source="$ro" -o cache=auto -o sandbox=namespace \
    >"$out/virtiofsd-root.log" 2>&1 &
  pids+=($!)
fi
"$VIRTIOFSD" --socket-path="$run/out.sock" -o source="$out" -o cache=none -o sandbox=namespace \
  >"$out/virtiofsd-out.log" 2>&1 &
pids+=($!)
for s in "${shares[@]}"; do
  for _ in $(seq 100); do [ -S "$run/$s.sock" ] && break; sleep 0.1; done
  [ -S "$run/$s.sock" ] || { say "virtiofsd for $s did not start: $(cat "$out/virtiofsd-$s.log")"; exit 125; }
done

# Single-threaded TCG: nested KVM is not available.
common=(-accel tcg,thread=single -smp 1 -m "$MEM"
  -object memory-backend-memfd,id=mem,size="$MEM",share=on -numa node,memdev=mem
  -chardev socket,id=fsroot,path="$run/root.sock" -device vhost-user-fs-pci,chardev=fsroot,tag=hostroot
  -chardev socket,id=fsout,path="$run/out.sock" -device vhost-user-fs-pci,chardev=fsout,tag=out
  -kernel "$vmlinuz" -initrd "$initrd"
  -display none -monitor none -serial "file:$out/console.log" -no-reboot)
append="panic=-1 loglevel=4 rdk.script=$out/guest.sh rdk.out=$out"
if [ "$arch" = arm64 ]; then
  # pauth-impdef: qemu's own pointer-authentication algorithm, much faster under TCG
  # than the architected QARMA one, and the same to the guest.
  qemu_cmd=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on "${common[@]}"
    -chardev socket,id=fshost,path="$run/host.sock" -device vhost-user-fs-pci,chardev=fshost,tag=host
    -append "console=ttyAMA0 $append rdk.binds=${GUEST_BINDS:-}")
else
  # -cx16: 6.12 oopses in SLUB under qemu 7.2's TCG with it.
  qemu_cmd=(qemu-system-x86_64 -cpu max,-cx16 "${common[@]}" -append "console=ttyS0 $append")
fi
start=$(date +%s)
timeout --kill-after=20 "$limit" "${qemu_cmd[@]}" </dev/null >"$out/qemu.log" 2>&1 &
qemu=$!
pids+=($qemu)
set +e
wait $qemu
qrc=$?
set -e
echo $(( $(date +%s) - start )) >"$out/wall-seconds"
if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
  say "timed out after ${limit}s; console: $out/console.log"
  exit 124
fi
rc="$(sed -n 's/^rdk-guest-exit \([0-9]*\).*/\1/p' "$out/console.log" | tail -n1)"
if [ -z "$rc" ]; then
  say "the guest ended without a result (qemu exit $qrc); console: $out/console.log"
  tail -n 20 "$out/console.log" >&2 || true
  exit 125
fi
exit "$rc"
