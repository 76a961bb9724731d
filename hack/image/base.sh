#!/usr/bin/env bash
# Provides the Dockerfile's base image, node:24-bookworm-slim, without a
# registry: a Debian 12 (bookworm) root file system made from the Debian
# packages the image needs (libc, libstdc++, a shell and coreutils for the
# Dockerfile's RUN steps), plus the Node.js binary pinned by package.json's
# `node` devDependency and npm from the npm registry, committed into buildah's
# local storage under the name the Dockerfile uses. `npm run image` then builds
# the Dockerfile unchanged with --pull=never.
#
# Usage: base.sh [--force]     (prints the image name; cached by its inputs)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=common.sh
source "$here/common.sh"

force=false
[[ "${1:-}" == "--force" ]] && force=true

node_bin="$repo/node_modules/node/node_modules/node-linux-$(node_arch)/bin/node"
[[ -x "$node_bin" ]] || die "$node_bin is missing: run npm ci first (the pinned Node.js comes from the node devDependency)"
node_version="$("$node_bin" --version)"
case "$node_version" in v24.*) ;; *) die "the pinned Node.js is $node_version, the Dockerfile's base is Node.js 24" ;; esac

# The packages of the root file system. The slim image has more (apt, perl-base,
# ...); the operator's image needs Node.js's shared libraries, /bin/sh for RUN
# and npm scripts, and coreutils for the runtime stage's `rm`.
packages=(base-files netbase tzdata dash coreutils libc6 libgcc-s1 gcc-12-base libstdc++6
  libacl1 libattr1 libgmp10 libpcre2-8-0 libselinux1 debianutils)

key="$(printf '%s\n' "$node_version" "$NPM_VERSION" "${packages[@]}" | cat - "$here/base.sh" | sha256sum | cut -c1-16)"
stamp="$IMAGE_CACHE/base-$key.done"
if ! $force && [[ -f "$stamp" ]] && bah inspect --type image "$BASE_IMAGE" >/dev/null 2>&1; then
  echo "$BASE_IMAGE"
  exit 0
fi

work="$(mktemp -d "$IMAGE_CACHE/.base.XXXXXX")"
trap 'rm -rf "$work"' EXIT
debs="$IMAGE_CACHE/debs"
mkdir -p "$debs"
log "downloading ${#packages[@]} Debian packages"
(cd "$debs" && apt-get download -q "${packages[@]}" >/dev/null)

rootfs="$work/rootfs"
mkdir -p "$rootfs"/{usr/bin,usr/sbin,usr/lib,usr/lib64,etc,tmp,root,var/tmp,home/node,usr/local/bin,usr/local/lib/node_modules}
# bookworm's merged /usr: the top-level directories are symlinks into /usr.
for d in bin sbin lib lib64; do ln -s "usr/$d" "$rootfs/$d"; done
for p in "${packages[@]}"; do
  deb="$(ls -t "$debs/${p}"_*.deb | head -n 1)"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$rootfs" --keep-directory-symlink
done
chmod 1777 "$rootfs/tmp" "$rootfs/var/tmp"
ln -sf dash "$rootfs/usr/bin/sh"
# What base-passwd's maintainer scripts would write, plus the node user of the
# official image.
cat >"$rootfs/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin
node:x:1000:1000::/home/node:/bin/sh
P
cat >"$rootfs/etc/group" <<'G'
root:x:0:
nogroup:x:65534:
node:x:1000:
G
chown 1000:1000 "$rootfs/home/node"

# Node.js where the official image has it, and npm from the registry.
install -m 0755 "$node_bin" "$rootfs/usr/local/bin/node"
log "fetching npm $NPM_VERSION"
(cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
# The base must run what the build stage runs.
chroot "$rootfs" /usr/local/bin/node -e 'process.exit(0)' || die "node does not run in the base root file system"
chroot "$rootfs" /bin/sh -c 'rm --version >/dev/null && /usr/local/bin/npm --version >/dev/null' || die "sh, rm or npm do not run in the base"

log "committing $BASE_IMAGE"
ctr="$(bah from --pull=never scratch)"
bah copy "$ctr" "$rootfs/" / >/dev/null
bah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="${node_version#v}" --cmd node --os linux --arch "$(go_arch)" "$ctr"
bah commit --rm -q "$ctr" "$BASE_IMAGE" >/dev/null
bah rmi --prune >/dev/null 2>&1 || true
touch "$stamp"
echo "$BASE_IMAGE"
