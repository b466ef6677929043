#!/usr/bin/env bash
# The second half of `make image`: after deploy/image/build.sh has built this machine's
# image ($IMAGE), builds the other architecture's (amd64 and arm64 are the two the jar
# carries a JNI library for) as $IMAGE-<arch>, and a manifest list $LIST that holds both,
# so that one name pulls the right image on x86-64 and on arm64 nodes. The list is saved
# with both images as an OCI archive ($LIST_ARCHIVE), which `skopeo copy --all
# oci-archive:... docker://REGISTRY/...` or `podman manifest push` takes to a registry.
# Knobs: IMAGE (localhost/runtime-detector:dev), LIST ($IMAGE-multiarch),
#        OTHER_ARCHIVE (deploy/target/runtime-detector-image-<other arch>.tar),
#        LIST_ARCHIVE (deploy/target/runtime-detector-image-multiarch.tar). Needs root.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
IMAGE=${IMAGE:-localhost/runtime-detector:dev}
LIST=${LIST:-$IMAGE-multiarch}
LIST_ARCHIVE=${LIST_ARCHIVE:-$ROOT/deploy/target/runtime-detector-image-multiarch.tar}
PODMAN=(podman --cgroup-manager=cgroupfs --events-backend=file)

say() { echo "image: $*" >&2; }
fail() { say "$*"; exit 1; }

host_arch=$(dpkg --print-architecture)
case $host_arch in
  amd64) other=arm64 ;;
  arm64) other=amd64 ;;
  *) fail "no multi-architecture image from a '$host_arch' machine: amd64 and arm64 only" ;;
esac
"${PODMAN[@]}" image exists "$IMAGE" || fail "$IMAGE is missing; deploy/image/build.sh builds it first (make image does)"

# Its own archive knob: an ARCHIVE in the environment names this machine's image's.
IMAGE_ARCH=$other IMAGE=$IMAGE-$other ARCHIVE=${OTHER_ARCHIVE:-$ROOT/deploy/target/runtime-detector-image-$other.tar} \
  "$ROOT/deploy/image/build.sh" "$@"

# A manifest list cannot take the name of an image; an earlier list of that name goes.
"${PODMAN[@]}" manifest rm "$LIST" >/dev/null 2>&1 || true
"${PODMAN[@]}" manifest create "$LIST" >/dev/null
for image in "$IMAGE" "$IMAGE-$other"; do
  "${PODMAN[@]}" manifest add "$LIST" "containers-storage:$image" >/dev/null
done
held=$("${PODMAN[@]}" manifest inspect "$LIST" | grep -o '"architecture": *"[a-z0-9]*"' | sed 's/.*"\([a-z0-9]*\)"$/\1/' | sort | tr '\n' ' ')
[ "$held" = "amd64 arm64 " ] || fail "the manifest list $LIST holds '$held', not amd64 and arm64"
mkdir -p "$(dirname "$LIST_ARCHIVE")"
rm -f "$LIST_ARCHIVE"
"${PODMAN[@]}" manifest push --quiet --all "$LIST" "oci-archive:$LIST_ARCHIVE" >/dev/null
say "$LIST ready: a manifest list of $IMAGE (amd64) and $IMAGE-$other ($other); archive $LIST_ARCHIVE"
