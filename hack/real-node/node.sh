#!/usr/bin/env bash
# The real node's sandbox on this machine: a network namespace, a mount
# namespace and a cgroup of its own, so that everything the node runs
# (control plane, containerd, kubelet, kube-proxy, pods) stays inside them and
# goes with them.
#
#   node.sh up DIR ID NAME   create netns, veth, cgroups and the mount namespace of node NAME
#   node.sh enter DIR [--node] -- CMD...
#                            run CMD in the netns (and, with --node, in the node's
#                            mount namespace) and in the node's cgroup
#   node.sh down DIR         kill everything in the node's cgroups, remove the
#                            namespaces, devices, cgroups and DIR (idempotent; also
#                            what the reaper runs after a SIGKILL of the test run)
#
# Network: the namespace has eth0 at $NODE_IP/30, whose peer on this machine
# ($HOST_IP) is the only way in: tests connect to $NODE_IP (an address inside
# the namespace), and nothing is forwarded out of it, so pods can reach
# nothing but the namespace itself. The CNI bridge, pod addresses and service
# addresses exist only inside.
#
# Mounts: the node's mount namespace is private (nothing propagates back), with
# a tmpfs on /run and /var/lib, and DIR/kubelet and DIR/containerd bound on
# /var/lib/kubelet and /var/lib/containerd: the kubelet's and containerd's
# default paths, as the shipped manifests expect, without touching this
# machine's. The kubelet's own mounts (pod volumes, tokens) live and die with
# that namespace. Its /etc/hosts names the node, so that the API server (run
# there too) reaches the kubelet by the node's name, as in a cluster with DNS.
set -euo pipefail

HOST_IP=10.213.0.1
NODE_IP=10.213.0.2
PREFIX=30

die() { echo "node.sh: $*" >&2; exit 1; }

cmd="${1:-}"; shift || true
dir="${1:-}"; shift || true
[[ -n "$cmd" && -n "$dir" ]] || die "usage: node.sh up|enter|down DIR ..."

state="$dir/node.env"
load() {
  [[ -f "$state" ]] || die "$state is missing: node.sh up was not run for $dir"
  # shellcheck disable=SC1090
  source "$state"
}

hierarchies() {
  local h
  for h in /sys/fs/cgroup/*; do
    [[ -d "$h" && ! -L "$h" && -f "$h/cgroup.procs" ]] && echo "$h"
  done
}

up() {
  local id="$1" name="$2"
  [[ -n "$id" && -n "$name" ]] || die "usage: node.sh up DIR ID NAME"
  local ns="seccomp-e2e-$id" veth="sce$id" cg="seccomp-e2e-$id"
  [[ -f "$state" ]] && die "$dir is already set up"
  # The /30 is fixed, so two real nodes cannot coexist on one machine.
  if ip -o addr show | grep -q " $HOST_IP/"; then
    die "$HOST_IP is already in use on this machine: another real node is running (ip netns list), or stopped without its teardown (node.sh down its DIR)"
  fi
  mkdir -p "$dir"
  printf 'NS=%q\nVETH=%q\nCG=%q\nNODE_IP=%q\nHOST_IP=%q\n' "$ns" "$veth" "$cg" "$NODE_IP" "$HOST_IP" >"$state"

  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip addr add "$HOST_IP/$PREFIX" dev "$veth"
  ip link set "$veth" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$NODE_IP/$PREFIX" dev eth0
  ip -n "$ns" link set eth0 up
  # Pods are routed by the node (the bridge's gateway) to the API server and
  # service addresses; nothing may leave through eth0 but replies to the tests.
  ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1
  ip netns exec "$ns" iptables -w -I FORWARD -o eth0 -j DROP

  # The node's cgroup in every v1 hierarchy: the kubelet's cgroupRoot (it
  # checks that it exists), and node/ for the node's own processes, which
  # teardown kills by listing cgroup.procs.
  local h
  for h in $(hierarchies); do
    mkdir -p "$h/$cg"
    if [[ -f "$h/cpuset.cpus" ]]; then
      cat "$h/cpuset.cpus" >"$h/$cg/cpuset.cpus"
      cat "$h/cpuset.mems" >"$h/$cg/cpuset.mems"
    fi
  done
  mkdir -p "/sys/fs/cgroup/pids/$cg/node"

  # The mount namespace, kept by a bind mount of its file (which must sit on a
  # private mount).
  mkdir -p "$dir/ns" "$dir/kubelet" "$dir/containerd"
  mount --bind "$dir/ns" "$dir/ns"
  mount --make-private "$dir/ns"
  touch "$dir/ns/mnt"
  printf '127.0.0.1\tlocalhost\n%s\t%s\n' "$NODE_IP" "$name" >"$dir/hosts"
  unshare --mount="$dir/ns/mnt" --propagation private true
  nsenter --mount="$dir/ns/mnt" -- sh -ec "
    mount -t tmpfs -o mode=0755 node-run /run
    mount -t tmpfs -o mode=0755 node-var-lib /var/lib
    mkdir -p /var/lib/kubelet /var/lib/containerd /var/lib/cni
    mount --bind '$dir/kubelet' /var/lib/kubelet
    mount --bind '$dir/containerd' /var/lib/containerd
    mount --bind '$dir/hosts' /etc/hosts
  "
}

enter() {
  load
  local mnt=()
  if [[ "${1:-}" == "--node" ]]; then mnt=(--mount="$dir/ns/mnt"); shift; fi
  [[ "${1:-}" == "--" ]] && shift
  echo $$ >"/sys/fs/cgroup/pids/$CG/node/cgroup.procs"
  exec nsenter --net="/run/netns/$NS" "${mnt[@]}" -- "$@"
}

down() {
  [[ -f "$state" ]] || { rm -rf "$dir"; return 0; }
  load
  local h i pids
  # Everything in the node's cgroups: its processes, containerd's shims and
  # every container. SIGKILL, repeated until nothing is left (a process may
  # fork while we read the list).
  for i in $(seq 1 100); do
    pids="$(for h in $(hierarchies); do [[ -d "$h/$CG" ]] && find "$h/$CG" -name cgroup.procs -exec cat {} + 2>/dev/null; done | sort -u)"
    [[ -z "$pids" ]] && break
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.1
  done
  # Processes recorded as groups (started outside the cgroup), if any survive.
  if [[ -f "$dir/pids" ]]; then
    while read -r pid; do [[ -n "$pid" ]] && kill -KILL -- "-$pid" 2>/dev/null || true; done <"$dir/pids"
  fi
  # The mount namespace ends with its last process and this bind mount.
  umount "$dir/ns/mnt" 2>/dev/null || umount -l "$dir/ns/mnt" 2>/dev/null || true
  umount "$dir/ns" 2>/dev/null || umount -l "$dir/ns" 2>/dev/null || true
  # Deleting the namespace removes eth0 and with it its veth peer.
  ip netns del "$NS" 2>/dev/null || true
  ip link del "$VETH" 2>/dev/null || true
  for h in $(hierarchies); do
    [[ -d "$h/$CG" ]] && find "$h/$CG" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  local left=()
  for h in $(hierarchies); do [[ -d "$h/$CG" ]] && left+=("$h/$CG"); done
  ip netns list 2>/dev/null | grep -q "^$NS\b" && left+=("netns $NS")
  if ((${#left[@]} > 0)); then
    echo "node.sh: could not remove: ${left[*]}" >&2
    # The directory stays, so that down can be run again.
    return 1
  fi
  # The kubelet's mounts existed only in the (now gone) mount namespace: on
  # this side its folders hold plain files.
  rm -rf "$dir"
}

case "$cmd" in
  up) up "$@" ;;
  enter) enter "$@" ;;
  down) down ;;
  *) die "unknown command $cmd" ;;
esac
