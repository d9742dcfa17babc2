// Automations: targets (a Lambda function or an SSH host; secrets write-only), runs of a runbook on a target, their
// steps and outputs, approvals.
import { Type, type Static } from 'typebox';
import type { AutomationRunStep } from '../../workflows/activity-contract.ts';
import { DateTime, Uuid, type AsJson, type Describes } from './common.ts';

const Pattern = Type.String({ minLength: 1, maxLength: 500, description: 'A glob over the whole command: `*` any run of characters, `?` one (see docs/automations.md)' });
const Patterns = Type.Array(Pattern, { maxItems: 100 });

export const LambdaConfig = Type.Object(
  {
    kind: Type.Literal('lambda'),
    region: Type.String({ minLength: 1, maxLength: 50, pattern: '^[a-z0-9-]+$' }),
    functionName: Type.String({ minLength: 1, maxLength: 170, description: 'Name or ARN of the function' }),
    roleArn: Type.Optional(Type.String({ minLength: 20, maxLength: 2048, pattern: '^arn:aws[a-z-]*:iam::\\d{12}:role/' })),
    externalId: Type.Optional(Type.String({ minLength: 2, maxLength: 1224 })),
    endpoint: Type.Optional(Type.String({ format: 'uri', maxLength: 500, description: 'A VPC endpoint or a local Lambda server (needs ALLOW_CUSTOM_VENDOR_URLS)' })),
  },
  { additionalProperties: false },
);

export const SshConfig = Type.Object(
  {
    kind: Type.Literal('ssh'),
    host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:-]+$' }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    username: Type.String({ minLength: 1, maxLength: 64, pattern: '^[a-z_][a-z0-9_.-]*$' }),
    hostKeyFingerprint: Type.String({ pattern: '^SHA256:[A-Za-z0-9+/]{43}=?$', description: 'As `ssh-keygen -lf` prints it: a different host key is refused' }),
  },
  { additionalProperties: false },
);

export const LambdaSecrets = Type.Object(
  {
    accessKeyId: Type.Optional(Type.String({ minLength: 16, maxLength: 128 })),
    secretAccessKey: Type.Optional(Type.String({ minLength: 16, maxLength: 128 })),
    sessionToken: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

export const SshSecrets = Type.Object(
  {
    privateKey: Type.String({ minLength: 50, maxLength: 20000 }),
    passphrase: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);

export const TargetConfig = Type.Union([LambdaConfig, SshConfig]);

export const CreateTargetBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }),
    config: TargetConfig,
    secrets: Type.Optional(Type.Union([LambdaSecrets, SshSecrets], { description: 'Write-only: sealed at rest, never returned' })),
    allowPatterns: Type.Optional(Patterns),
    denyPatterns: Type.Optional(Patterns),
    requiredApprovals: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
  },
  { additionalProperties: false },
);
export type CreateTargetBody = Static<typeof CreateTargetBody>;

export const UpdateTargetBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' })),
    config: Type.Optional(TargetConfig),
    secrets: Type.Optional(Type.Union([LambdaSecrets, SshSecrets])),
    allowPatterns: Type.Optional(Patterns),
    denyPatterns: Type.Optional(Patterns),
    requiredApprovals: Type.Optional(Type.Integer({ minimum: 1, maximum: 5 })),
  },
  { additionalProperties: false },
);
export type UpdateTargetBody = Static<typeof UpdateTargetBody>;

export const Target = Type.Object({
  id: Uuid,
  kind: Type.Union([Type.Literal('lambda'), Type.Literal('ssh')]),
  name: Type.String(),
  config: TargetConfig,
  hasSecrets: Type.Boolean(),
  allowPatterns: Type.Array(Type.String()),
  denyPatterns: Type.Array(Type.String()),
  requiredApprovals: Type.Integer(),
  verifiedAt: Type.Union([DateTime, Type.Null()]),
  verifiedIdentity: Type.Union([Type.String(), Type.Null()]),
  verifyError: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
  updatedAt: DateTime,
});

export const Verification = Type.Object({
  ok: Type.Boolean(),
  identity: Type.Optional(Type.String()),
  errorKind: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});

export const TargetEnvelope = Type.Object({ target: Target, verification: Type.Optional(Verification) });
export const TargetList = Type.Object({ targets: Type.Array(Target) });
export const IdParams = Type.Object({ id: Uuid });

export const CreateRunBody = Type.Object(
  {
    runbookId: Uuid,
    /** Absent: the runbook's current version. */
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647 })),
    targetId: Uuid,
    dryRun: Type.Optional(Type.Boolean()),
    incidentId: Type.Optional(Uuid),
    expiresInSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 604800, description: 'How long approvals may take (default 3600): then the run expires, nothing executed' })),
  },
  { additionalProperties: false },
);
export type CreateRunBody = Static<typeof CreateRunBody>;

const RunStatus = Type.Union([
  Type.Literal('awaiting_approval'),
  Type.Literal('approved'),
  Type.Literal('running'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
  Type.Literal('rejected'),
  Type.Literal('expired'),
]);

export const RunStep = Type.Object({
  index: Type.Integer(),
  title: Type.String(),
  command: Type.String(),
  risk: Type.String(),
  destructive: Type.Boolean(),
  deniedReason: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  stdout: Type.Union([Type.String(), Type.Null()]),
  stderr: Type.Union([Type.String(), Type.Null()]),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  truncated: Type.Boolean(),
  alreadyRan: Type.Boolean(),
  error: Type.Union([Type.String(), Type.Null()]),
  startedAt: Type.Union([DateTime, Type.Null()]),
  finishedAt: Type.Union([DateTime, Type.Null()]),
});
// The one run step (workflows/activity-contract.ts) as the API sends it: tsc stops when the two drift apart.
true satisfies Describes<Static<typeof RunStep>, AsJson<AutomationRunStep>>;

export const Approval = Type.Object({
  stepIndex: Type.Union([Type.Integer(), Type.Null()]),
  userId: Uuid,
  decision: Type.Union([Type.Literal('approve'), Type.Literal('reject')]),
  comment: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
});

export const Run = Type.Object({
  id: Uuid,
  runbookId: Uuid,
  runbookVersion: Type.Integer(),
  runbookTitle: Type.String(),
  targetId: Uuid,
  targetName: Type.String(),
  requestedBy: Type.Union([Uuid, Type.Null()]),
  trigger: Type.String(),
  incidentId: Type.Union([Uuid, Type.Null()]),
  status: RunStatus,
  dryRun: Type.Boolean(),
  requiredApprovals: Type.Integer(),
  expiresAt: DateTime,
  workflowId: Type.String(),
  summary: Type.Record(Type.String(), Type.Unknown()),
  createdAt: DateTime,
  startedAt: Type.Union([DateTime, Type.Null()]),
  finishedAt: Type.Union([DateTime, Type.Null()]),
});

export const RunDetail = Type.Object({
  run: Run,
  steps: Type.Array(RunStep),
  approvals: Type.Array(Approval),
  awaitingStep: Type.Union([Type.Integer(), Type.Null()], {
    description: 'The destructive step that waits for its own approval now (approve it with `stepIndex`); null when none does',
  }),
});
export const RunList = Type.Object({
  runs: Type.Array(
    Type.Intersect([
      Run,
      Type.Object({
        decidedByMe: Type.Boolean({ description: 'You already approved or rejected this run' }),
        awaitingStep: Type.Union([Type.Integer(), Type.Null()], { description: 'The destructive step that waits for its own approval now' }),
      }),
    ]),
  ),
});
export const RunListQuery = Type.Object(
  { status: Type.Optional(RunStatus), limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })) },
  { additionalProperties: false },
);

export const DecisionBody = Type.Object(
  {
    stepIndex: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'The destructive step waiting for its own approval' })),
    comment: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type DecisionBody = Static<typeof DecisionBody>;

export const PendingApprovals = Type.Object({ pending: Type.Integer({ description: 'Runs waiting for an approval you may give' }) });

export const PreviewRunBody = Type.Object(
  {
    runbookId: Uuid,
    version: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'Absent: the runbook’s current version' })),
    targetId: Uuid,
  },
  { additionalProperties: false },
);
export type PreviewRunBody = Static<typeof PreviewRunBody>;

export const RunPreview = Type.Object({
  runbookId: Uuid,
  version: Type.Integer({ description: 'The runbook version a run would execute' }),
  targetId: Uuid,
  requiredApprovals: Type.Integer({ description: 'Approvals by others a run on this target needs before anything runs' }),
  steps: Type.Array(
    Type.Object({
      index: Type.Integer(),
      title: Type.String(),
      command: Type.String(),
      risk: Type.String({ description: 'The higher of the runbook’s label and what the rules find' }),
      destructive: Type.Boolean(),
      allowed: Type.Boolean({ description: 'False: the target’s policy denies it; it would never be sent' }),
      reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it is denied' }),
      needsOwnApproval: Type.Boolean({ description: 'A destructive step that waits for an approval of its own' }),
    }),
  ),
});
