#!/usr/bin/env bash
# mkinitramfs.sh KERNEL_DIR OUT.cpio.gz
# A minimal initramfs for one unpacked Debian kernel: static busybox, the modules the
# guest needs to reach the host's root over virtiofs (with what they depend on, from
# the kernel's own package), and init.sh as /init.
set -euo pipefail

kdir="$1" out="$2"
here="$(cd "$(dirname "$0")" && pwd)"
BUSYBOX="${BUSYBOX:-/bin/busybox}"
WANTED=(virtio_pci fuse virtiofs overlay)

say() { echo "mkinitramfs: $*" >&2; }


moddir="$(ls -d "$kdir"/lib/modules/*/ | head -n1)"
[ -d "$moddir" ] || { say "no lib/modules in $kdir"; exit 1; }

root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,mnt,newroot,lib/modules}
cp "$BUSYBOX" "$root/bin/busybox"
for applet in sh mount umount mkdir insmod sleep cat echo poweroff chroot sync ls grep tr sed head; do
  ln -s busybox "$root/bin/$applet"
done
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"

# Module files by name (the kernel treats - and _ alike).
declare -A path_of
while IFS= read -r f; do
  n="$(basename "$f")"; n="${n%%.ko*}"; path_of["${n//-/_}"]="$f"
done < <(find "$moddir/kernel" -name '*.ko' -o -name '*.ko.xz' -o -name '*.ko.zst' -o -name '*.ko.gz')

decompress() {
  case "$1" in
    *.ko.xz) xz -dc "$1" ;;
    *.ko.zst) zstd -qdc "$1" ;;
    *.ko.gz) gzip -dc "$1" ;;
    *) cat "$1" ;;
  esac
}

# Depth first, dependencies before dependents. A module not in the tree must be one
# that modules.builtin lists.
declare -A done_mod
order=()
add() {
  local m="${1//-/_}"
  [ -n "${done_mod[$m]:-}" ] && return 0
  done_mod[$m]=1
  local f="${path_of[$m]:-}"
  if [ -z "$f" ]; then
    if tr '-' '_' <"$moddir/modules.builtin" | grep -q "/$m\.ko\$"; then
      return 0
    fi
    say "module $m is neither in $moddir nor built in"
    exit 1
  fi
  local deps
  deps="$(decompress "$f" | tr '\0' '\n' | sed -n 's/^depends=//p' | head -n1)"
  local d
  for d in ${deps//,/ }; do add "$d"; done
  decompress "$f" >"$root/lib/modules/$m.ko"
  order+=("$m")
}
for m in "${WANTED[@]}"; do add "$m"; done
printf '%s\n' "${order[@]}" >"$root/lib/modules/order"
say "modules: ${order[*]:-(all built in)}"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
