#!/usr/bin/env bash
# The two images the real node needs besides the operator's, built locally
# since there is no registry:
#   build/pause.oci.tar    localhost/pause:3.10   the pod sandbox: Kubernetes' own
#                          pause.c (from the pinned k8s.io/kubernetes module), static
#   build/busybox.oci.tar  localhost/busybox:e2e  busybox-static from Debian, for test pods
# Each is rebuilt only when missing. Prints the two archive paths.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"
export PATH="$PATH:/usr/local/go/bin"

PAUSE_IMAGE="localhost/pause:3.10"
BUSYBOX_IMAGE="localhost/busybox:e2e"
mkdir -p "$repo/build"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

commit_rootfs() { # rootfs image archive entrypoint...
  local rootfs="$1" image="$2" archive="$3" ctr
  shift 3
  ctr="$(bah from --pull=never scratch)"
  bah copy "$ctr" "$rootfs/" / >/dev/null
  bah config --os linux --arch "$(go_arch)" --entrypoint "$(printf '%s' "$*" | node -e 'process.stdout.write(JSON.stringify(require("fs").readFileSync(0,"utf8").split(" ")))')" "$ctr"
  bah commit --rm -q "$ctr" "$image" >/dev/null
  rm -f "$archive.tmp"
  bah push -q "$image" "oci-archive:$archive.tmp:$image" >/dev/null
  mv -f "$archive.tmp" "$archive"
}

pause_archive="$repo/build/pause.oci.tar"
if [[ ! -f "$pause_archive" ]]; then
  command -v gcc >/dev/null || die "gcc is needed to build the pause binary (Debian: apt-get install gcc libc6-dev)"
  src="$(cd "$repo/hack/control-plane/kubernetes" && go mod download -json k8s.io/kubernetes | node -e 'process.stdout.write(JSON.parse(require("fs").readFileSync(0,"utf8")).Dir)')/build/pause/linux/pause.c"
  [[ -f "$src" ]] || die "$src is missing"
  mkdir -p "$work/pause"
  gcc -Os -Wall -Werror -static -DVERSION=v3.10-seccomp-operator -o "$work/pause/pause" "$src"
  strip "$work/pause/pause"
  log "pause: $(du -h "$work/pause/pause" | cut -f1) static binary from $src"
  commit_rootfs "$work/pause" "$PAUSE_IMAGE" "$pause_archive" /pause
fi

busybox_archive="$repo/build/busybox.oci.tar"
if [[ ! -f "$busybox_archive" ]]; then
  [[ -x /bin/busybox ]] || die "/bin/busybox is missing (Debian: apt-get install busybox-static)"
  file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || ldd /bin/busybox 2>&1 | grep -q 'not a dynamic' || die "/bin/busybox is not static (install busybox-static)"
  mkdir -p "$work/busybox/bin" "$work/busybox/tmp"
  chmod 1777 "$work/busybox/tmp"
  cp /bin/busybox "$work/busybox/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [[ "$applet" == busybox ]] || ln -sf busybox "$work/busybox/bin/$applet"
  done
  commit_rootfs "$work/busybox" "$BUSYBOX_IMAGE" "$busybox_archive" /bin/sh
fi
echo "$pause_archive"
echo "$busybox_archive"
