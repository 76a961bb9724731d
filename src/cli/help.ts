/** Help texts: one per command, printed by `--help`. */

export const MAIN_HELP = `seccomp-operator: seccomp profiles as Kubernetes resources

Usage: seccomp-operator <command> [options] [paths...]

Commands:
  validate   check profiles against the API schema and the kernel's syscall tables
  lint       validate, then report practices (allowlists, exit syscalls, dangerous syscalls)
  render     print the exact JSON a node writes for one profile
  convert    turn Docker/OCI/containers-common JSON or security-profiles-operator manifests into SeccompProfile YAML
  merge      unite several profiles (recordings of several runs) into one; conflicts are errors
  diff       what changes from profile A to profile B, per architecture; exit 1 when they differ
  record     run a command under strace and print a profile that allows what it called
  verify     run a command in a runc container under a profile; report what it denied
  report     list every container of a cluster's pods with its effective seccomp profile
  agent      the node agent: install profiles in this node's kubelet folder (runs until stopped)
  controller the controller: profile status, finalizers, workload patching, recordings (runs until stopped)
  recorder   the node recorder: seccomp audit records of recorded containers (runs until stopped)
  version    print the version

Paths are files or folders (.json, .yaml, .yml, searched recursively); '-' or none reads stdin.
Run 'seccomp-operator <command> --help' for a command's options.

Exit codes: 0 ok, 1 profile errors (or lint findings at --fail-on), 2 usage error, 3 unreadable input,
4 a program the command runs (strace, runc, tar) is missing or cannot run here.
`;

const COMMON = `  -o, --output text|json     output format (default text)
      --capability CAP       with Docker profiles: a capability containers have, to resolve
                             includes/excludes (repeatable; default: the runtime's default set)
      --architecture ARCH    with Docker profiles: a native architecture of your nodes, to resolve
                             archMap (repeatable; default x86_64 and aarch64; one byte order only)
      --catalogue-namespace NS  where base profiles are looked for after the profile's own
                             namespace (default seccomp-catalogue)
  -h, --help                 this help`;

export const COMMAND_HELP: Record<string, string> = {
  validate: `Usage: seccomp-operator validate [options] [paths...]

Checks every profile in the inputs: the schema the API server enforces, syscall names on the
profile's architectures (with suggestions), duplicates and conflicting rules, arguments, and
base profiles among the inputs. Each message names the file, the document, the field and the reason.
Exits 1 when a profile has an error.

${COMMON}
`,
  lint: `Usage: seccomp-operator lint [options] [paths...]

Validates, then reports practices with stable rule ids (SCP001...): exit syscalls blocked,
dangerous syscalls allowed, runtime start-up syscalls, blocklists, audit mode, kill-thread actions.

      --fail-on error|warning|info|none   exit 1 on findings at or above this (default error)
${COMMON}
`,
  render: `Usage: seccomp-operator render [options] [paths...]

Prints the canonical OCI JSON that the node agent writes for one profile, byte for byte.
Other inputs may hold its base profiles.

      --name NAME            which profile to render when the inputs hold several
${COMMON}
`,
  convert: `Usage: seccomp-operator convert [options] [paths...]

Prints a SeccompProfile manifest for each profile in the inputs (Docker or OCI JSON, the
containers-common JSON of podman, CRI-O and Buildah, or a security-profiles-operator
SeccompProfile, v1beta1 or v1). Docker-only constructs are resolved and reported on stderr.
Prints nothing if any input has an error.

      --name NAME            the object name (one input profile only; default: from the file name)
      --namespace NS         the object namespace
${COMMON}
`,
  merge: `Usage: seccomp-operator merge [options] paths...

Prints one SeccompProfile that allows what any of the input profiles allows: every syscall any
of them names, with its rules. Base profiles among the inputs are flattened in. Where the
inputs disagree (default action, or different actions for one syscall) each disagreement is
printed on stderr, naming the syscall and the files, nothing is printed, and the exit code is 1.

      --name NAME            the merged object's name (default: the inputs' common name)
      --namespace NS         its namespace (default: the inputs' common namespace)
${COMMON}
`,
  diff: `Usage: seccomp-operator diff [options] A B

Compares two profiles (SeccompProfile manifests, Docker or OCI JSON, or rendered files; '-' is
stdin, e.g. from kubectl get -o yaml). Per architecture both filter on: syscalls allowed by one
and not the other, changed actions and errno values, changed argument conditions; then the
default action, architectures and flags. Exits 0 when they do the same, 1 when they differ.

      --name NAME            which profile to compare when a side holds several
${COMMON}
`,
  record: `Usage: seccomp-operator record [options] -- COMMAND [ARGS...]

Runs the command under strace -f (every process and thread) and prints a SeccompProfile that
allows exactly the syscalls it made, on the ABIs it made them on (x86_64 and its compat ABIs
x86 and x32 apart), plus exit, exit_group and rt_sigreturn (lint rule SCP001). With --rootfs or
--image the command runs in a runc container built from them (as root), and only its calls are
kept, not runc's. The command's own output goes to stderr. Exits 1, still printing the profile,
when the command failed; 4 when strace (or runc) is missing or may not run here.

      --for-runtime runc          add what runc calls after it loads the filter
      --no-new-privileges=BOOL    with --for-runtime: the container's noNewPrivileges (default
                                  false, what Kubernetes sets unless allowPrivilegeEscalation: false)
      --rootfs DIR                run the command in a container on this root file system (read-only)
      --image FILE                ... or on an OCI image archive's (its Env and WorkingDir apply)
      --timeout SECONDS           with --rootfs or --image: kill the container after this long (default 60)
      --name NAME                 the object name (default: from the command)
      --namespace NS              the object namespace
  -o, --output FILE               write the profile to FILE instead of stdout
  -h, --help                      this help
`,
  verify: `Usage: seccomp-operator verify [options] PROFILE... (--rootfs DIR | --image OCI-ARCHIVE) -- COMMAND [ARGS...]

Renders the profile (its bases may be in the other inputs) and runs the command in a runc
container built from the folder or the OCI image archive (unpacked with tar; no registry).
A first run under the profile's audit-mode twin lets every call through and reads from the
kernel log (/dev/kmsg) each one the profile would refuse; a second run enforces the profile.
Reports the command's exit status and every refused syscall by name and count. Exits 0 only
when the command succeeded and nothing was refused, 1 otherwise, 4 when runc or the kernel log
is not available (it needs root).

      --name NAME                 which profile, when the inputs hold several
      --rootfs DIR                the container's root file system (used read-only)
      --image FILE                an OCI image archive (oci-layout, index.json, blobs/)
      --no-new-privileges=BOOL    the container's noNewPrivileges (default false, as in a pod
                                  without allowPrivilegeEscalation: false)
      --timeout SECONDS           kill each run after this long (default 30)
  -o, --output text|json          output format (default text)
  -h, --help                      this help
`,
};
