// Automation targets: where runs execute, a Lambda function or an SSH host; their secrets are write-only.
import { Type, type Static } from 'typebox';
import { DateTime, Uuid } from './common.ts';

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
export const TargetParams = Type.Object({ id: Uuid });
