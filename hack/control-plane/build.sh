#!/usr/bin/env bash
# Builds the control-plane binaries the integration tests run against
# (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok), and the
# node binaries of the end-to-end tests' real node (kubelet, kube-proxy), from the
# pinned wrapper modules next to this script, the way the official release
# binaries are built: static (CGO_ENABLED=0), -trimpath, and with the version
# stamped in through -ldflags so that /version reports the real release.
#
# The binaries go to a cache outside the work tree, keyed by the pinned
# versions, so a clean checkout reuses them and a version bump rebuilds:
#   ${XDG_CACHE_HOME:-$HOME/.cache}/seccomp-operator/control-plane/<versions>/
# When everything is already there the script does nothing but print the path.
#
# Usage: build.sh [helm | kubectl] [--print-dir] [--force]
#   helm, kubectl  build only that tool (the chart's and the kubectl plugin's
#                tests use them) from its wrapper module, into its own cache
#                folder keyed by its version: .../seccomp-operator/<tool>/<version>/
#   --print-dir  print the binary directory and exit without building
#   --force      rebuild even if the binaries are present
# The last line written to stdout is always the binary directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

print_only=false
force=false
tool=""
for arg in "$@"; do
  case "$arg" in
    helm|kubectl) tool="$arg" ;;
    --print-dir) print_only=true ;;
    --force) force=true ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "build.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# The version a wrapper module pins, read straight from its go.mod so that the
# cached case needs no go command at all.
pinned() {
  local modfile="$1" module="$2" version
  version="$(awk -v m="$module" '$1 == m && $2 ~ /^v/ { print $2; exit }' "$modfile")"
  if [[ -z "$version" ]]; then
    echo "build.sh: $module is not required in $modfile" >&2
    exit 1
  fi
  echo "$version"
}

# A tool has its own cache folder and lock: only some tests need it, and a bump
# of its version must not rebuild the control plane (nor the reverse).
# Usage: build_tool NAME PINNED-MODULE PACKAGE LDFLAGS-WITHOUT-VERSION VERSION-VARIABLES...
build_tool() {
  local name="$1" module="$2" package="$3" ldflags="$4" version dir var
  shift 4
  version="$(pinned "$here/$name/go.mod" "$module")"
  dir="${XDG_CACHE_HOME:-$HOME/.cache}/seccomp-operator/$name/$version"
  if $print_only || { ! $force && [[ -x "$dir/$name" ]]; }; then
    echo "$dir"
    return
  fi
  command -v go >/dev/null || { echo "build.sh: the go command is not on PATH (needed once, to build $dir)" >&2; exit 1; }
  mkdir -p "$dir"
  exec 8>"$dir/.build.lock"
  flock 8
  if $force || [[ ! -x "$dir/$name" ]]; then
    echo "build.sh: building $name $version" >&2
    for var in "$@"; do ldflags+=" -X $var=$version"; done
    (cd "$here/$name" && CGO_ENABLED=0 GOFLAGS="${GOFLAGS:-} -buildvcs=false" go build -trimpath -ldflags "$ldflags" -o "$dir/.$name.partial" "$package")
    mv -f "$dir/.$name.partial" "$dir/$name"
  fi
  echo "$dir"
}

# The version variables each project's release build stamps; "archive" as for
# the control plane below: a module download has no commit.
case "$tool" in
  helm)
    build_tool helm helm.sh/helm/v4 helm.sh/helm/v4/cmd/helm "-s -w -X helm.sh/helm/v4/internal/version.gitTreeState=archive" \
      helm.sh/helm/v4/internal/version.version
    exit 0 ;;
  kubectl)
    build_tool kubectl k8s.io/kubernetes k8s.io/kubernetes/cmd/kubectl \
      "-s -w -X k8s.io/client-go/pkg/version.gitTreeState=archive -X k8s.io/component-base/version.gitTreeState=archive" \
      k8s.io/client-go/pkg/version.gitVersion k8s.io/component-base/version.gitVersion
    exit 0 ;;
esac

k8s_version="$(pinned "$here/kubernetes/go.mod" k8s.io/kubernetes)"
etcd_version="$(pinned "$here/etcd/go.mod" go.etcd.io/etcd/server/v3)"
kwok_version="$(pinned "$here/kwok/go.mod" sigs.k8s.io/kwok)"

cache_root="${XDG_CACHE_HOME:-$HOME/.cache}/seccomp-operator/control-plane"
key="kubernetes-${k8s_version}_etcd-${etcd_version}_kwok-${kwok_version}"
bin_dir="$cache_root/$key"
binaries=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok kubelet kube-proxy)

if $print_only; then
  echo "$bin_dir"
  exit 0
fi

complete() {
  local b
  for b in "${binaries[@]}"; do
    [[ -x "$bin_dir/$b" ]] || return 1
  done
}

if ! $force && complete; then
  echo "$bin_dir"
  exit 0
fi

if ! command -v go >/dev/null; then
  echo "build.sh: the go command is not on PATH (needed once, to build $bin_dir)" >&2
  exit 1
fi

mkdir -p "$bin_dir"
# Two concurrent runs (say, an editor's test task and a terminal) must not
# build into the same directory at once; the second one waits and then finds
# the binaries present.
exec 9>"$cache_root/.build.lock"
flock 9
if ! $force && complete; then
  echo "$bin_dir"
  exit 0
fi

export CGO_ENABLED=0
# No VCS stamping: the wrapper modules live inside this repository, and the
# version is stamped explicitly below.
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"
# Build for the machine the tests run on.
unset GOOS GOARCH

# Binaries are linked into a scratch directory and moved into place one by
# one, so an interrupted build never leaves a truncated binary that the
# "already built" check above would trust.
scratch="$(mktemp -d "$cache_root/.build.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT

# The release date of a pinned module, used as the build date so that the
# binaries do not depend on when they were built.
release_date() {
  (cd "$1" && go list -m -f '{{if .Time}}{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}{{end}}' "$2")
}

log() { echo "build.sh: $*" >&2; }

build_kubernetes() {
  local minor major build_date ldflags pkg
  major="${k8s_version#v}"; major="${major%%.*}"
  minor="${k8s_version#v*.}"; minor="${minor%%.*}"
  build_date="$(release_date "$here/kubernetes" k8s.io/kubernetes)"
  # The same variables hack/lib/version.sh sets for a release build. The git
  # commit is unknown in a module download; "archive" is the tree state the
  # Kubernetes build uses for source that did not come from a git checkout.
  ldflags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$k8s_version"
    ldflags+=" -X $pkg.gitMajor=$major"
    ldflags+=" -X $pkg.gitMinor=$minor"
    ldflags+=" -X $pkg.gitTreeState=archive"
    ldflags+=" -X $pkg.buildDate=$build_date"
  done
  log "building kube-apiserver, kube-controller-manager, kube-scheduler, kubelet, kube-proxy $k8s_version"
  # One go build for the five commands shares the compilation of the
  # packages they have in common.
  (cd "$here/kubernetes" && go build -trimpath -ldflags "$ldflags" -o "$scratch/" \
    k8s.io/kubernetes/cmd/kube-apiserver \
    k8s.io/kubernetes/cmd/kube-controller-manager \
    k8s.io/kubernetes/cmd/kube-scheduler \
    k8s.io/kubernetes/cmd/kubelet \
    k8s.io/kubernetes/cmd/kube-proxy)
}

build_etcd() {
  log "building etcd $etcd_version"
  # etcd's own build stamps only the commit; the version is a constant of
  # go.etcd.io/etcd/api/v3/version. The commit is unknown in a module download.
  (cd "$here/etcd" && go build -trimpath -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=${etcd_version}" \
    -o "$scratch/etcd" go.etcd.io/etcd/server/v3)
}

build_kwok() {
  log "building kwok $kwok_version"
  (cd "$here/kwok" && go build -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${kwok_version} -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${k8s_version}" \
    -o "$scratch/kwok" sigs.k8s.io/kwok/cmd/kwok)
}

start=$SECONDS
build_etcd
build_kwok
build_kubernetes
for b in "${binaries[@]}"; do
  mv -f "$scratch/$b" "$bin_dir/$b"
done
log "built ${binaries[*]} in $((SECONDS - start))s into $bin_dir"
echo "$bin_dir"
