// Objects and waits shared by the end-to-end tests: busybox workloads that
// print what the kernel applies to them, and a profile made for them.
import type { V1Pod } from "@kubernetes/client-node";
import { BUSYBOX_IMAGE, describePods, type E2eCluster } from "../harness/e2e-cluster.js";
import { waitUntil } from "../harness/readiness.js";

export const ARCH = process.arch === "arm64" ? "SCMP_ARCH_AARCH64" : "SCMP_ARCH_X86_64";

/**
 * What a busybox `sh -c` script with cat, grep, mkdir and sleep calls, in a
 * container with allowPrivilegeEscalation: false (runc loads the filter just
 * before exec, so its own needs are the few calls of its last steps).
 */
export const BUSYBOX_ALLOWLIST = [
  // runc's last steps and the Go runtime that runs them
  "close", "execve", "fstatfs", "getdents64", "openat", "write", "futex", "rt_sigreturn", "rt_sigprocmask",
  "sigaltstack", "sched_yield", "nanosleep", "mmap", "munmap", "madvise", "getpid", "gettid", "tgkill",
  // static glibc start-up and exit
  "arch_prctl", "brk", "mprotect", "exit", "exit_group", "set_tid_address", "set_robust_list", "rseq",
  "prlimit64", "readlink", "getrandom", "prctl", "getuid", "geteuid", "getgid", "getegid",
  // the shell, its pipes and children
  "rt_sigaction", "clone", "clone3", "fork", "vfork", "wait4", "dup2", "dup3", "fcntl", "pipe", "pipe2",
  "ioctl", "stat", "newfstatat", "fstat", "lstat", "read", "getppid", "setpgid", "getpgid", "getpgrp",
  "lseek", "access", "faccessat", "faccessat2", "chdir", "getcwd", "sysinfo", "times", "umask", "poll",
  "ppoll", "pselect6", "kill", "alarm", "setitimer", "clock_nanosleep", "clock_gettime", "sendfile",
  "statx",
];

/** The container's script: report the seccomp mode, try a denied call, then stay. */
export const PROBE_SCRIPT = [
  'grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status',
  "mkdir /tmp/e2e-denied || echo mkdir-failed",
  "echo probe-done",
  "exec sleep 3600",
].join("; ");

export function profileManifest(namespace: string, name: string, spec: Record<string, unknown>) {
  return { apiVersion: "seccomp.operator.dev/v1alpha1", kind: "SeccompProfile", metadata: { name, namespace }, spec };
}

/** An allowlist for the probe with mkdir denied with `errno`. */
export function probeProfileSpec(errno: number, description: string): Record<string, unknown> {
  return {
    description,
    defaultAction: "SCMP_ACT_ERRNO",
    architectures: [ARCH],
    syscalls: [
      { names: BUSYBOX_ALLOWLIST, action: "SCMP_ACT_ALLOW" },
      { names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO", errnoRet: errno },
    ],
  };
}

export function podSpec(script: string, uid = 1000) {
  return {
    terminationGracePeriodSeconds: 1,
    automountServiceAccountToken: false,
    containers: [
      {
        name: "probe",
        image: BUSYBOX_IMAGE,
        imagePullPolicy: "Never",
        command: ["/bin/sh", "-c", script],
        securityContext: {
          allowPrivilegeEscalation: false,
          runAsNonRoot: true,
          runAsUser: uid,
          runAsGroup: uid,
          capabilities: { drop: ["ALL"] },
        },
      },
    ],
  };
}

export function deploymentManifest(namespace: string, name: string, profile: string, script = PROBE_SCRIPT, uid = 1000) {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace, annotations: { "seccomp.operator.dev/profile": profile } },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels }, spec: podSpec(script, uid) },
    },
  };
}

/** A StatefulSet that keeps its pods when the template changes (OnDelete): "old pods". */
export function statefulSetManifest(namespace: string, name: string, profile: string, replicas = 1) {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "StatefulSet",
    metadata: { name, namespace, annotations: { "seccomp.operator.dev/profile": profile } },
    spec: {
      replicas,
      serviceName: name,
      selector: { matchLabels: labels },
      updateStrategy: { type: "OnDelete" },
      template: { metadata: { labels }, spec: podSpec(PROBE_SCRIPT) },
    },
  };
}

export function containerProfile(pod: V1Pod): string | undefined {
  const p = pod.spec?.containers[0]?.securityContext?.seccompProfile;
  return p?.type === "Localhost" ? p.localhostProfile : p?.type;
}

/** Pods of `app` that are Running and Ready with container 0 under `localhostProfile`, and no others. */
export async function waitForPods(
  cluster: E2eCluster,
  namespace: string,
  app: string,
  localhostProfile: string,
  timeoutMs = 90_000,
): Promise<V1Pod[]> {
  let pods: V1Pod[] = [];
  await waitUntil(
    async () => {
      pods = (await cluster.pods(namespace, `app=${app}`)).filter((p) => !p.metadata?.deletionTimestamp);
      return (
        pods.length === 1 &&
        pods.every((p) => containerProfile(p) === localhostProfile && p.status?.phase === "Running" && p.status.containerStatuses?.[0]?.ready)
      );
    },
    { what: `pods of ${namespace}/${app} Running under ${localhostProfile}`, timeoutMs, intervalMs: 250 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n${describePods(pods)}`);
  });
  return pods;
}

/** The container's log once the probe script has printed everything. */
export async function probeLog(cluster: E2eCluster, namespace: string, pod: string): Promise<string> {
  let log = "";
  await waitUntil(
    async () => {
      log = await cluster.podLog(namespace, pod);
      return log.includes("probe-done");
    },
    { what: `the probe's log of pod ${namespace}/${pod}`, timeoutMs: 30_000, intervalMs: 250 },
  ).catch((err: Error) => {
    throw new Error(`${err.message}; log so far: ${JSON.stringify(log)}`);
  });
  return log;
}
