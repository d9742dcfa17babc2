// Runbook drafts: starting a generation, refining, editing steps, saving as a runbook, and ratings.
import { Type, type Static } from 'typebox';
import { DateTime, Uuid } from './common.ts';
import { MAX_STEPS, RunbookStep } from './runbooks.ts';

export const StartDraftBody = Type.Object(
  {
    incidentId: Type.Optional(Uuid),
    clusterId: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false, description: 'Exactly one of `incidentId` and `clusterId`: what the runbook is for' },
);
export type StartDraftBody = Static<typeof StartDraftBody>;

export const DraftParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const RefineBody = Type.Object(
  { instruction: Type.String({ minLength: 1, maxLength: 2000, pattern: '\\S', description: 'What to change, e.g. "only read-only steps" (held to by rule)' }) },
  { additionalProperties: false },
);

export const DraftStepsBody = Type.Object(
  { steps: Type.Array(RunbookStep, { minItems: 1, maxItems: MAX_STEPS }) },
  { additionalProperties: false, description: 'The draft’s steps as edited; a risk stated below its command’s rules is raised' },
);

export const SaveDraftBody = Type.Object(
  {
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '\\S', description: 'Default: the draft’s title' })),
    tags: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 50, pattern: '^\\S(.*\\S)?$' }), { maxItems: 20, uniqueItems: true })),
  },
  { additionalProperties: false },
);

export const RatingBody = Type.Object(
  {
    step: Type.Optional(Type.Integer({ minimum: 0, maximum: 2147483647, description: 'A step’s index (from 0); absent: the whole draft or runbook' })),
    value: Type.Union([Type.Literal('up'), Type.Literal('down')]),
    reason: Type.Optional(Type.String({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
export type RatingBody = Static<typeof RatingBody>;

export const RatingSummary = Type.Object({
  up: Type.Integer(),
  down: Type.Integer(),
  steps: Type.Array(Type.Object({ step: Type.Integer(), up: Type.Integer(), down: Type.Integer() })),
});

export const DraftListQuery = Type.Object(
  {
    subject: Type.String({ pattern: '^(incident|cluster):.{1,200}$', description: '`incident:<id>` or `cluster:<id>`' }),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
  },
  { additionalProperties: false },
);

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) => Type.Union([t, Type.Null()]);

const DraftSources = Type.Object({
  runbooks: Type.Optional(Type.Array(Type.Object({ runbookId: Uuid, version: Type.Integer(), title: Type.String(), score: Type.Number() }))),
  incidents: Type.Optional(Type.Array(Type.Object({ id: Type.String(), title: Type.String(), score: Type.Number() }))),
});

const draftFields = {
  id: Uuid,
  conversationId: Uuid,
  parentId: Nullable(Uuid),
  subject: Type.Object({
    kind: Type.Union([Type.Literal('incident'), Type.Literal('cluster')]),
    id: Type.String(),
    name: Nullable(Type.String({ description: 'The pattern’s name (a user’s, else its label) or the incident’s title; null: it no longer exists' })),
  }),
  instruction: Nullable(Type.String()),
  status: Type.Union([Type.Literal('queued'), Type.Literal('running'), Type.Literal('completed'), Type.Literal('failed'), Type.Literal('cancelled')]),
  stage: Nullable(Type.String({ description: 'gathering, redacting, generating, validating, stored' })),
  mode: Nullable(Type.Union([Type.Literal('llm'), Type.Literal('retrieval')], { description: 'retrieval: no model was asked (LLM use off, or none configured)' })),
  model: Nullable(Type.String()),
  title: Nullable(Type.String()),
  summary: Nullable(Type.String()),
  steps: Nullable(Type.Array(RunbookStep)),
  sources: DraftSources,
  warnings: Type.Array(Type.String()),
  error: Nullable(Type.String()),
  workflowId: Nullable(Type.String()),
  savedRunbookId: Nullable(Uuid),
  createdAt: DateTime,
  updatedAt: DateTime,
};

export const DraftSummary = Type.Object(draftFields);
export const Draft = Type.Object({
  ...draftFields,
  ratings: RatingSummary,
  conversation: Type.Array(Type.Object({ id: Uuid, instruction: Nullable(Type.String()), status: Type.String(), createdAt: DateTime }), {
    description: 'Every draft of this conversation, oldest first (this one included)',
  }),
});
export const DraftList = Type.Object({ drafts: Type.Array(DraftSummary) });
export const SavedDraft = Type.Object({ draftId: Uuid, runbookId: Uuid, indexed: Type.Boolean({ description: 'false: the index is catching up (the runbook is saved)' }) });
