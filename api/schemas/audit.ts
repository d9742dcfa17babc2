// The audit log: entries of the account's chain and its verification.
import { Type } from 'typebox';
import { DateTime, PatternRef } from './common.ts';

export const AuditEntry = Type.Object({
  seq: Type.Integer({ description: 'Position in the account’s chain, from 1' }),
  occurredAt: DateTime,
  action: Type.String({ description: 'What happened, e.g. `member.role_changed`' }),
  actor: Type.Object({
    userId: Type.Union([Type.String(), Type.Null()]),
    tokenId: Type.Union([Type.String(), Type.Null()]),
    label: Type.String({ description: 'The actor as named at the time: an email, or an API token and its creator' }),
  }),
  subjectUserId: Type.Union([Type.String(), Type.Null()]),
  target: Type.Union([Type.Object({ type: Type.String(), id: Type.String() }), Type.Null()]),
  ip: Type.Union([Type.String(), Type.Null()]),
  requestId: Type.Union([Type.String(), Type.Null()]),
  details: Type.Record(Type.String(), Type.Unknown()),
  patterns: Type.Optional(Type.Array(PatternRef, { description: 'The clusters the entry names (its target, a merge’s destination, a rule’s clusters), by their names now' })),
  hash: Type.String({ description: 'SHA-256 over the entry and the previous entry’s hash (hex)' }),
});

export const AuditQuery = Type.Object(
  {
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'Entries before this sequence number (the previous page’s `nextBefore`)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    action: Type.Optional(
      Type.String({ pattern: '^[a-z_]+\\.([a-z_]+)?$', maxLength: 60, description: 'One action (`token.created`) or a family (`member.`)' }),
    ),
  },
  { additionalProperties: false },
);

export const AuditExportQuery = Type.Object(
  {
    format: Type.Optional(Type.Union([Type.Literal('csv'), Type.Literal('json')], { default: 'csv', description: 'CSV (one row per entry) or JSON' })),
    action: Type.Optional(
      Type.String({ pattern: '^[a-z_]+\\.([a-z_]+)?$', maxLength: 60, description: 'One action (`automation_run.approved`) or a family (`automation_run.`)' }),
    ),
    from: Type.Optional(Type.String({ format: 'date-time', description: 'Entries at or after this instant' })),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Entries before this instant' })),
  },
  { additionalProperties: false },
);

export const AuditPage = Type.Object({
  entries: Type.Array(AuditEntry),
  nextBefore: Type.Union([Type.Integer(), Type.Null()], { description: 'Pass as `before` for older entries; null on the last page' }),
});

export const AuditVerification = Type.Object({
  valid: Type.Boolean(),
  entries: Type.Integer(),
  headHash: Type.Union([Type.String(), Type.Null()], { description: 'Keep it elsewhere: a later rewrite of the whole chain would change it' }),
  firstBroken: Type.Optional(
    Type.Object({ seq: Type.Integer(), reason: Type.Union([Type.Literal('content_changed'), Type.Literal('link_broken'), Type.Literal('gap'), Type.Literal('head_mismatch')]) }),
  ),
  checkedAt: DateTime,
});
