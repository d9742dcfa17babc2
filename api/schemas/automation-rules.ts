// Automation event rules: a new or re-opened incident matching clusters, services, severities or new-pattern labels
// requests a run.
import { Type, type Static } from 'typebox';
import { DateTime, PatternRef, Uuid } from './common.ts';
import { TriggerName } from './automation-schedules.ts';

const Severity = Type.Union([Type.Literal('P1'), Type.Literal('P2'), Type.Literal('P3'), Type.Literal('P4'), Type.Literal('P5')]);
const NoveltyLabel = Type.Union([Type.Literal('new'), Type.Literal('back'), Type.Literal('rare'), Type.Literal('known')]);

export const RuleIdParams = Type.Object({ id: Uuid });

export const CreateRuleBody = Type.Object(
  {
    name: TriggerName,
    enabled: Type.Optional(Type.Boolean()),
    clusterIds: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100, description: 'Incident clusters it matches; empty: any' })),
    services: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 100, description: 'Services it matches; empty: any' })),
    severities: Type.Optional(Type.Array(Severity, { maxItems: 5, description: 'Severities it matches; empty: any' })),
    novelties: Type.Optional(
      Type.Array(NoveltyLabel, {
        maxItems: 4,
        uniqueItems: true,
        description: 'New-pattern labels it matches, as computed when the incident arrived: new (a pattern never seen before), back (after more than 30 days quiet), rare, known; empty: any',
      }),
    ),
    onNew: Type.Optional(Type.Boolean({ description: 'Fire on a new incident (default true)' })),
    onReopened: Type.Optional(Type.Boolean({ description: 'Fire on an incident re-opened after it was resolved (default false)' })),
    runbookId: Uuid,
    targetId: Uuid,
    cooldownSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604800, description: 'Per rule and incident cluster (else service): at most one run per window (default 1800)' })),
    autoRun: Type.Optional(Type.Boolean({ description: 'Run without approval; owners and admins only, and only for a runbook whose every step is read-only (re-checked when it fires)' })),
    dryRun: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateRuleBody = Static<typeof CreateRuleBody>;

export const UpdateRuleBody = Type.Partial(CreateRuleBody, { additionalProperties: false });
export type UpdateRuleBody = Static<typeof UpdateRuleBody>;

export const Rule = Type.Object({
  id: Uuid,
  name: Type.String(),
  enabled: Type.Boolean(),
  clusterIds: Type.Array(Type.String()),
  clusters: Type.Array(PatternRef, { description: 'The clusters of `clusterIds`, in the same order, by name' }),
  services: Type.Array(Type.String()),
  severities: Type.Array(Type.String()),
  novelties: Type.Array(Type.String({ description: 'new, back, rare or known' })),
  onNew: Type.Boolean(),
  onReopened: Type.Boolean(),
  runbookId: Uuid,
  runbookTitle: Type.Union([Type.String(), Type.Null()]),
  targetId: Uuid,
  targetName: Type.Union([Type.String(), Type.Null()]),
  cooldownSeconds: Type.Integer(),
  autoRun: Type.Boolean(),
  dryRun: Type.Boolean(),
  lastError: Type.Union([Type.String(), Type.Null()], { description: 'Why the last firing started nothing, or why an auto-run waited for approval' }),
  createdBy: Type.Union([Uuid, Type.Null()], { description: 'Runs are requested in this person’s name: they cannot approve them' }),
  createdAt: DateTime,
  updatedAt: DateTime,
  recentFirings: Type.Array(
    Type.Object({
      id: Uuid,
      incidentId: Uuid,
      reason: Type.String({ description: '`new` or `reopened`' }),
      status: Type.String({ description: '`pending`, `started` or `skipped`' }),
      runId: Type.Union([Uuid, Type.Null()]),
      error: Type.Union([Type.String(), Type.Null()]),
      createdAt: DateTime,
    }),
    { description: 'The newest 20' },
  ),
});

export const RuleEnvelope = Type.Object({ rule: Rule });
export const RuleList = Type.Object({ rules: Type.Array(Rule) });
