// Health of every part, as GET /api/health reports it.
import { Type, type Static } from 'typebox';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('down')]),
  latencyMs: Type.Optional(Type.Number()),
  version: Type.Optional(Type.String()),
  detail: Type.Optional(Type.String()),
  error: Type.Optional(Type.String()),
});

export const HealthResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]),
  checkedAt: Type.String({ format: 'date-time' }),
  checks: Type.Object({
    api: Check,
    postgres: Check,
    temporal: Check,
    worker: Check,
  }),
  temporal: Type.Object({
    namespace: Type.String(),
    taskQueue: Type.String(),
    uiUrl: Type.Optional(Type.String()),
  }),
});
export type HealthResponse = Static<typeof HealthResponse>;

/** GET /api/readyz: may this instance take traffic (its PostgreSQL and Temporal answer)? */
export const ReadyResponse = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Object({ postgres: Check, temporal: Check }),
});
export type Check = Static<typeof Check>;
