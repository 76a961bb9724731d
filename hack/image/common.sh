# Shared by the image scripts: buildah with its own storage (vfs, so it works
# on any file system and inside containers) and chroot isolation (no runtime
# needed for RUN steps), never pulling from a registry.
IMAGE_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/seccomp-operator/images"
BUILDAH_ROOT="$IMAGE_CACHE/storage"
BUILDAH_RUNROOT="$IMAGE_CACHE/run"
BASE_IMAGE="docker.io/library/node:24-bookworm-slim"
# npm for the base image's build stage (the node package ships no npm).
NPM_VERSION="11.19.1"
mkdir -p "$IMAGE_CACHE"

log() { echo "image: $*" >&2; }
die() { echo "image: $*" >&2; exit 1; }
bah() { buildah --root "$BUILDAH_ROOT" --runroot "$BUILDAH_RUNROOT" --storage-driver vfs "$@"; }
node_arch() { case "$(uname -m)" in x86_64) echo x64 ;; aarch64) echo arm64 ;; *) die "unsupported machine $(uname -m)" ;; esac; }
go_arch() { case "$(uname -m)" in x86_64) echo amd64 ;; aarch64) echo arm64 ;; *) die "unsupported machine $(uname -m)" ;; esac; }
