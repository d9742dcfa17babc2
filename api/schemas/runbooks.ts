// The runbook library: runbooks of structured steps, their versions, the diff between two, and the list's filters.
import { Type, type Static } from 'typebox';
import type { RunbookStep as RunbookStepType } from '../../analysis/runbooks/runbook-types.ts';
import { DateTime, PatternRef, Uuid } from './common.ts';

export const MAX_STEPS = 50;

/** Text with something in it, and no surrounding spaces that would make two tags look alike. */
const Label = (maxLength: number, description: string) => Type.String({ minLength: 1, maxLength, pattern: '^\\S(.*\\S)?$', description });

export const StepRisk = Type.Union([Type.Literal('read-only'), Type.Literal('mutating'), Type.Literal('destructive')], {
  description: 'read-only, mutating or destructive; raised on save to what the command’s rules say when stated lower',
});
export const TargetType = Type.Union(
  [Type.Literal('shell'), Type.Literal('kubectl'), Type.Literal('aws'), Type.Literal('sql'), Type.Literal('systemctl'), Type.Literal('http'), Type.Literal('other')],
  { description: 'Where the command runs' },
);

export const RunbookStep = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
    command: Type.String({ minLength: 1, maxLength: 4000, pattern: '\\S' }),
    targetType: TargetType,
    explanation: Type.String({ maxLength: 4000 }),
    risk: StepRisk,
  },
  { additionalProperties: false },
);

// TypeBox types only literals it is given, so the vocabulary is spelled out above; these fail to compile when it and
// analysis/runbooks/runbook-types.ts drift apart, either way.
const sameVocabulary = [(s: RunbookStepType): Static<typeof RunbookStep> => s, (s: Static<typeof RunbookStep>): RunbookStepType => s];
void sameVocabulary;

const Tags = Type.Array(Label(50, 'A tag'), { maxItems: 20, uniqueItems: true });
const Services = Type.Array(Label(100, 'A service name, as incidents carry it'), { maxItems: 20, uniqueItems: true });
const ClusterIds = Type.Array(Label(200, 'A cluster id'), { maxItems: 20, uniqueItems: true });
const Steps = Type.Array(RunbookStep, { minItems: 1, maxItems: MAX_STEPS, description: `The ordered steps (1 to ${MAX_STEPS})` });

const content = {
  title: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  description: Type.Optional(Type.String({ maxLength: 10000 })),
  tags: Type.Optional(Tags),
  services: Type.Optional(Services),
  clusterIds: Type.Optional(ClusterIds),
  steps: Steps,
  note: Type.Optional(Type.String({ maxLength: 1000, description: 'What this version changed, for the version list' })),
};

export const CreateRunbookBody = Type.Object(content, { additionalProperties: false });
export type CreateRunbookBody = Static<typeof CreateRunbookBody>;

export const UpdateRunbookBody = Type.Object(
  {
    ...content,
    baseVersion: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The version the editor started from: 409 when someone saved another since' }),
  },
  { additionalProperties: false, description: 'The whole runbook as it should now be (omitted tags, services, clusterIds: none)' },
);
export type UpdateRunbookBody = Static<typeof UpdateRunbookBody>;

export const RunbookParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const RunbookVersionParams = Type.Object({ id: Uuid, version: Type.Integer({ minimum: 1, maximum: 2147483647 }) }, { additionalProperties: false });
export const RunbookDiffQuery = Type.Object(
  {
    from: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The older version' }),
    to: Type.Optional(Type.Integer({ minimum: 1, maximum: 2147483647, description: 'The newer version (default: the current one)' })),
  },
  { additionalProperties: false },
);

export const RunbookQuery = Type.Object(
  {
    q: Type.Optional(Type.String({ maxLength: 200, description: 'Words that must all appear in the title or description (any case)' })),
    tag: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    service: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    cluster: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A linked cluster id' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    cursor: Type.Optional(Type.String({ maxLength: 400, description: 'The previous page’s `nextCursor` (with the same filters)' })),
  },
  { additionalProperties: false },
);
export type RunbookQuery = Static<typeof RunbookQuery>;

const Person = Type.Object({
  id: Type.Union([Uuid, Type.Null()]),
  email: Type.Union([Type.String(), Type.Null()], { description: 'null once they left the account' }),
});
const Source = Type.Union([Type.Literal('manual'), Type.Literal('import'), Type.Literal('generated')]);

const summary = {
  id: Uuid,
  title: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  services: Type.Array(Type.String()),
  clusterIds: Type.Array(Type.String()),
  clusters: Type.Array(PatternRef, { description: 'The linked clusters of `clusterIds`, in the same order, by name' }),
  source: Source,
  version: Type.Integer({ description: 'The current version' }),
  stepCount: Type.Integer(),
  createdBy: Person,
  updatedBy: Person,
  createdAt: DateTime,
  updatedAt: DateTime,
};

export const RunbookSummary = Type.Object(summary);
export const RunbookList = Type.Object({
  runbooks: Type.Array(RunbookSummary),
  nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` (with the same filters) for the next page; null on the last' }),
});

export const VersionSummary = Type.Object({
  version: Type.Integer(),
  title: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  createdBy: Person,
  createdAt: DateTime,
});

export const RiskRaised = Type.Object({
  step: Type.Integer({ description: 'The step’s index (from 0)' }),
  stated: StepRisk,
  risk: StepRisk,
});

export const Runbook = Type.Object({
  ...summary,
  steps: Type.Array(RunbookStep),
  markdown: Type.String({ description: 'The current version rendered as markdown' }),
  versions: Type.Array(VersionSummary, { description: 'Every version, newest first' }),
  riskRaised: Type.Optional(Type.Array(RiskRaised, { description: 'On a save: the steps whose stated risk was below what their command’s rules say, raised' })),
});

export const RunbookVersion = Type.Object({
  runbookId: Uuid,
  version: Type.Integer(),
  title: Type.String(),
  description: Type.String(),
  tags: Type.Array(Type.String()),
  steps: Type.Array(RunbookStep),
  markdown: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  createdBy: Person,
  createdAt: DateTime,
});

const PlacedStep = Type.Object({ index: Type.Integer({ description: 'Position in its version (from 0)' }), step: RunbookStep });
export const StepChange = Type.Union([
  Type.Object({ change: Type.Literal('added'), to: PlacedStep }),
  Type.Object({ change: Type.Literal('removed'), from: PlacedStep }),
  Type.Object({
    change: Type.Literal('changed'),
    from: PlacedStep,
    to: PlacedStep,
    fields: Type.Array(Type.Union([Type.Literal('title'), Type.Literal('command'), Type.Literal('targetType'), Type.Literal('explanation'), Type.Literal('risk')])),
  }),
]);

export const RunbookDiff = Type.Object({
  runbookId: Uuid,
  from: Type.Integer(),
  to: Type.Integer(),
  fields: Type.Array(
    Type.Union([
      Type.Object({ field: Type.Literal('title'), from: Type.String(), to: Type.String() }),
      Type.Object({ field: Type.Literal('description'), from: Type.String(), to: Type.String() }),
      Type.Object({ field: Type.Literal('tags'), from: Type.Array(Type.String()), to: Type.Array(Type.String()), added: Type.Array(Type.String()), removed: Type.Array(Type.String()) }),
    ]),
  ),
  steps: Type.Array(StepChange, { description: 'Steps added, removed or changed, in the order of the newer version' }),
});

// The schema describes analysis/runbooks/runbook-diff.ts's answer: a change to either side fails the type check here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameDiff: Same<Static<typeof RunbookDiff>, import('../../analysis/runbooks/runbook-diff.ts').RunbookDiff> = true;
void sameDiff;
