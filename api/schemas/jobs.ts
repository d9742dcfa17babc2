// Jobs: long-running work the API starts as Temporal workflows, and the echo job of the skeleton.
import { Type, type Static } from 'typebox';
import { DateTime, Uuid } from './common.ts';

export const JobStatus = Type.Union([
  Type.Literal('queued'),
  Type.Literal('running'),
  Type.Literal('completed'),
  Type.Literal('failed'),
  Type.Literal('cancelled'),
]);

export const Job = Type.Object({
  id: Uuid,
  kind: Type.String(),
  status: JobStatus,
  workflowId: Type.String(),
  input: Type.Record(Type.String(), Type.Unknown()),
  result: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  progress: Type.Object({ done: Type.Integer(), total: Type.Integer() }),
  attempts: Type.Integer({ description: 'Attempts of the job’s main activity so far (more than 1 after a retry or a worker crash)' }),
  createdAt: DateTime,
  updatedAt: DateTime,
  completedAt: Type.Union([DateTime, Type.Null()]),
  temporalUiUrl: Type.Optional(Type.String({ description: 'The workflow in the Temporal Web UI' })),
});
export type Job = Static<typeof Job>;

export const JobDetail = Type.Object({
  job: Job,
  workflow: Type.Union([
    Type.Object({
      status: Type.String({ description: 'Temporal execution status: RUNNING, COMPLETED, FAILED, CANCELLED, TERMINATED, TIMED_OUT' }),
      runId: Type.String(),
      historyLength: Type.Integer(),
    }),
    Type.Null(),
  ]),
});

export const EchoJobBody = Type.Object(
  {
    message: Type.String({ minLength: 1, maxLength: 500, description: 'What the job writes to PostgreSQL' }),
    steps: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000, default: 5, description: 'Heartbeated steps before the write' })),
    stepMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000, default: 400, description: 'Milliseconds per step (steps × stepMs stays within the activity’s 3-hour limit)' })),
  },
  { additionalProperties: false },
);
export type EchoJobBody = Static<typeof EchoJobBody>;

export const JobParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const JobListQuery = Type.Object(
  {
    kind: Type.Optional(Type.String({ pattern: '^[a-z][a-z0-9_-]{0,40}$' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  },
  { additionalProperties: false },
);

export const JobList = Type.Object({ jobs: Type.Array(Job) });
export const JobEnvelope = Type.Object({ job: Job });
