import { z } from "zod";
import { ACTIONS, FLAGS, MAX_ARG_INDEX, MAX_ERRNO, OPERATORS } from "./seccomp-vocabulary.js";
import { ARCHITECTURE_TOKENS } from "./seccomp-vocabulary.js";

/**
 * The spec of a SeccompProfile: the OCI/Docker profile shape plus the operator's own fields.
 * Every constraint the API server can check lives here, so `kubectl apply` rejects what the
 * engine would reject without waiting for the controller.
 */

/** A syscall name, 1 to 64 characters: one pattern checks all three, which matters for profiles with hundreds of names. */
export const SYSCALL_NAME_PATTERN = /^[a-z_][a-z0-9_]{0,63}$/;
export const DNS_SUBDOMAIN_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Syscall names in all rules of one profile: Docker's default profile has under 400; this bounds what one profile costs to check. */
export const MAX_TOTAL_NAMES = 4096;

/** Above 2^53 a JSON number loses precision in JavaScript, so such values are refused, not rounded. */
const ArgValue = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const ActionSchema = z.enum(ACTIONS);
export const OperatorSchema = z.enum(OPERATORS);
export const ArchitectureSchema = z.enum(ARCHITECTURE_TOKENS);
export const FlagSchema = z.enum(FLAGS);

export const SyscallArgSchema = z
  .strictObject({
    index: z.number().int().min(0).max(MAX_ARG_INDEX).describe("Which syscall argument to compare, 0 to 5."),
    value: ArgValue.describe("The value to compare the argument with; the mask for SCMP_CMP_MASKED_EQ."),
    valueTwo: ArgValue.optional().describe(
      "Only for SCMP_CMP_MASKED_EQ: the value the masked argument must equal. Must be absent or 0 for other operators.",
    ),
    op: OperatorSchema.describe("The comparison: SCMP_CMP_EQ, NE, LT, LE, GT, GE or MASKED_EQ."),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "!has(self.valueTwo) || self.valueTwo == 0 || self.op == 'SCMP_CMP_MASKED_EQ'",
        message: "valueTwo is only meaningful with op SCMP_CMP_MASKED_EQ",
        fieldPath: ".valueTwo",
      },
    ],
  })
  .describe("A condition on one syscall argument; a rule matches only when all its conditions hold.");
export type SyscallArg = z.infer<typeof SyscallArgSchema>;

export const SyscallRuleSchema = z
  .strictObject({
    names: z
      .array(z.string().regex(SYSCALL_NAME_PATTERN).meta({ maxLength: 64 }))
      .min(1)
      .max(1024)
      .meta({ "x-kubernetes-list-type": "set" })
      .describe("Syscall names this rule applies to, e.g. read, openat, exit_group."),
    action: ActionSchema.describe("What the kernel does when one of these syscalls is made."),
    errnoRet: z
      .number()
      .int()
      .min(0)
      .max(MAX_ERRNO)
      .optional()
      .describe("The errno returned, for SCMP_ACT_ERRNO (default EPERM) and SCMP_ACT_TRACE only."),
    args: z
      .array(SyscallArgSchema)
      .max(6)
      .optional()
      .describe("Conditions on the arguments; without them the rule matches every call."),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "!has(self.errnoRet) || self.action == 'SCMP_ACT_ERRNO' || self.action == 'SCMP_ACT_TRACE'",
        message: "errnoRet is only meaningful with action SCMP_ACT_ERRNO or SCMP_ACT_TRACE",
        fieldPath: ".errnoRet",
      },
    ],
  })
  .describe("An action for a set of syscalls, optionally conditioned on their arguments.");
export type SyscallRule = z.infer<typeof SyscallRuleSchema>;

export const ProfileSpecSchema = z
  .strictObject({
    description: z.string().max(1024).optional().describe("What this profile is for; free text for people."),
    baseProfileName: z
      .string()
      .min(1)
      .max(253)
      .regex(DNS_SUBDOMAIN_PATTERN)
      .optional()
      .describe(
        "A SeccompProfile, in this namespace or the catalogue namespace, whose rules this one inherits. Rules are united; where both name a syscall, this profile's rules for it replace the base's; this profile's defaultAction wins.",
      ),
    defaultAction: ActionSchema.describe(
      "The action for every syscall no rule matches: SCMP_ACT_ERRNO for an allowlist, SCMP_ACT_LOG for audit mode. SCMP_ACT_NOTIFY is not allowed here.",
    ),
    defaultErrnoRet: z
      .number()
      .int()
      .min(0)
      .max(MAX_ERRNO)
      .optional()
      .describe("The errno returned by the default action when it is SCMP_ACT_ERRNO or SCMP_ACT_TRACE (default EPERM)."),
    architectures: z
      .array(ArchitectureSchema)
      .max(24)
      .meta({ "x-kubernetes-list-type": "set" })
      .optional()
      .describe(
        "Syscall ABIs the filter accepts, e.g. SCMP_ARCH_X86_64. Others are killed. Empty means x86_64, x86, x32, aarch64 and arm.",
      ),
    syscalls: z
      .array(SyscallRuleSchema)
      .max(512)
      .optional()
      .describe("Rules, each an action for some syscalls. Rules of a base profile are added to these."),
    flags: z
      .array(FlagSchema)
      .max(4)
      .meta({ "x-kubernetes-list-type": "set" })
      .optional()
      .describe("Flags for seccomp(2), e.g. SECCOMP_FILTER_FLAG_LOG to log denied syscalls to the audit log."),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: `!has(self.syscalls) || self.syscalls.map(r, size(r.names)).sum() <= ${MAX_TOTAL_NAMES}`,
        message: `spec.syscalls may name at most ${MAX_TOTAL_NAMES} syscalls in all rules together`,
        fieldPath: ".syscalls",
      },
      {
        rule: "self.defaultAction != 'SCMP_ACT_NOTIFY'",
        message: "SCMP_ACT_NOTIFY cannot be the default action: nothing would answer the notifications",
        fieldPath: ".defaultAction",
      },
      {
        rule: "!has(self.defaultErrnoRet) || self.defaultAction == 'SCMP_ACT_ERRNO' || self.defaultAction == 'SCMP_ACT_TRACE'",
        message: "defaultErrnoRet is only meaningful with defaultAction SCMP_ACT_ERRNO or SCMP_ACT_TRACE",
        fieldPath: ".defaultErrnoRet",
      },
    ],
  })
  .superRefine((spec, ctx) => {
    const total = (spec.syscalls ?? []).reduce((n, rule) => n + rule.names.length, 0);
    if (total > MAX_TOTAL_NAMES) ctx.addIssue({ code: "custom", path: ["syscalls"], message: `may name at most ${MAX_TOTAL_NAMES} syscalls in all rules together, not ${total}` });
  })
  .describe("The seccomp profile: the OCI profile fields plus inheritance from a base profile.");
export type ProfileSpec = z.infer<typeof ProfileSpecSchema>;
