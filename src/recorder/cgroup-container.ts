/**
 * The container ID in a process's /proc/<pid>/cgroup, as containerd and CRI-O name container
 * cgroups: the 64-hex ID as the last path element (cgroupfs driver, `.../pod<uid>/<id>`) or in
 * a systemd scope (`.../cri-containerd-<id>.scope`, `crio-<id>.scope`). Undefined for a process
 * in no container's cgroup (a host process).
 */
export function containerIdOfCgroup(text: string): string | undefined {
  for (const line of text.split("\n")) {
    const path = line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1);
    const match = /(?:^|[/-])([0-9a-f]{64})(?:\.scope)?$/.exec(path.trim());
    if (match !== null) return match[1];
  }
  return undefined;
}

/** The ID in a pod status's `containerID` (`containerd://<id>`, `cri-o://<id>`). */
export function containerIdOfStatus(containerID: string | undefined): string | undefined {
  const id = containerID?.slice(containerID.indexOf("://") + 3);
  return id !== undefined && /^[0-9a-f]{64}$/.test(id) ? id : undefined;
}
