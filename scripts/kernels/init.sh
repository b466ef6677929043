#!/bin/sh
# /init of the test guest (busybox). Makes the host's root, shared read-only over
# virtiofs, writable with a tmpfs overlay, mounts the out share at the host path it
# stands for, runs the guest script in a chroot and powers off. In an arm64 guest the
# root share is an arm64 userland instead, and the host's paths listed in rdk.binds
# (the build's tree, the Maven repository) come from the "host" share, read-only. Whatever happens, the
# last line on the console is "rdk-guest-exit N"; the host reads its result from it.
export PATH=/bin

arg() { tr ' ' '\n' </proc/cmdline | sed -n "s/^$1=//p" | head -n1; }
fail() { echo "rdk-init: $*"; echo "rdk-guest-exit 125"; sync; poweroff -f; sleep 10; }

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /lib/modules/order); do
  insmod "/lib/modules/$m.ko" || fail "insmod $m failed"
done

script="$(arg rdk.script)"
out="$(arg rdk.out)"
mkdir -p /mnt/lower /mnt/rw
mount -t virtiofs hostroot /mnt/lower -o ro || fail "cannot mount the host root (virtiofs tag hostroot)"
mount -t tmpfs -o size=75% tmpfs /mnt/rw
mkdir -p /mnt/rw/upper /mnt/rw/work
mount -t overlay overlay -o lowerdir=/mnt/lower,upperdir=/mnt/rw/upper,workdir=/mnt/rw/work /newroot \
  || fail "cannot mount the overlay root"
binds="$(arg rdk.binds)"
if [ -n "$binds" ]; then
  mkdir -p /mnt/host
  mount -t virtiofs host /mnt/host -o ro || fail "cannot mount the host's root (virtiofs tag host)"
  for p in $(echo "$binds" | tr ',' ' '); do
    mkdir -p "/newroot$p"
    mount -o bind "/mnt/host$p" "/newroot$p" || fail "cannot bind the host's $p"
  done
fi
mkdir -p "/newroot$out"
mount -t virtiofs out "/newroot$out" || fail "cannot mount the out share at $out"

n=/newroot
mount -t proc proc $n/proc
mount -t sysfs sysfs $n/sys
mount -t devtmpfs devtmpfs $n/dev
mkdir -p $n/dev/pts $n/dev/shm
mount -t devpts devpts $n/dev/pts
mount -t tmpfs tmpfs $n/dev/shm
mount -t tmpfs tmpfs $n/tmp
mount -t tmpfs tmpfs $n/run
mount -t bpf bpf $n/sys/fs/bpf
mount -t tracefs tracefs $n/sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs $n/sys/kernel/debug 2>/dev/null
mount -t cgroup2 cgroup2 $n/sys/fs/cgroup 2>/dev/null
echo "rdk-init: $(cat /proc/version)"

chroot $n /bin/bash "$script" "$out"
rc=$?
sync
echo "rdk-guest-exit $rc"
poweroff -f
sleep 10
