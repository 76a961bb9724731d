#!/usr/bin/env bash
# `npm run image`: builds the project's Dockerfile, unchanged, with buildah and
# no registry (the base comes from base.sh), and writes the image as an OCI
# archive that `ctr images import` (containerd) or `podman load` reads:
#   build/seccomp-operator.oci.tar   image name: $IMAGE (default below)
# Prints the build time and the image size.
#
# With Docker instead: `docker build -t seccomp-operator .` (pulls the base).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

IMAGE="${IMAGE:-localhost/seccomp-operator:dev}"
out="$repo/build/seccomp-operator.oci.tar"

[[ "$(id -u)" == 0 ]] || die "buildah with chroot isolation and vfs storage needs root here (or run it rootless with your own storage settings)"
command -v buildah >/dev/null || die "buildah is not installed (Debian: apt-get install buildah)"

start=$SECONDS
bash "$here/base.sh" >/dev/null
base_done=$SECONDS
# The build stage's `npm ci` runs offline, from this machine's npm cache (which
# the host's `npm ci` filled): an npmrc and the cache are mounted for the RUN
# steps only, so nothing of them is in the image, and the build needs no
# network and no registry credentials or CA of this machine.
npm_cache="$(npm config get cache)"
[[ -d "$npm_cache/_cacache" ]] || die "no npm cache at $npm_cache: run npm ci first"
npmrc="$IMAGE_CACHE/build.npmrc"
printf 'offline=true\ncache=/root/.npm\naudit=false\nfund=false\nupdate-notifier=false\n' >"$npmrc"
log "building $IMAGE from Dockerfile"
# --layers=false: one commit per stage instead of one per instruction; with vfs
# every layer is a full copy of the file system, so this is most of the time.
bah bud --pull=never --isolation chroot --layers=false \
  -v "$npmrc:/root/.npmrc:ro" -v "$npm_cache:/root/.npm" \
  -q -t "$IMAGE" -f "$repo/Dockerfile" "$repo" >/dev/null
built=$SECONDS
mkdir -p "$repo/build"
rm -f "$out.tmp"
bah push -q "$IMAGE" "oci-archive:$out.tmp:$IMAGE" >/dev/null
mv -f "$out.tmp" "$out"
# The previous build's image, now untagged, is a full copy under vfs: drop it.
bah rmi --prune >/dev/null 2>&1 || true
size="$(bah images --format '{{.Size}}' "$IMAGE" 2>/dev/null | head -n 1)"
log "built $IMAGE in $((built - base_done))s (base $((base_done - start))s), archive $(du -h "$out" | cut -f1) ($out), image $size uncompressed"
echo "$out"
