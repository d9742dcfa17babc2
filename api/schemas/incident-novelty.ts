// New-pattern labels: the patterns that appeared or came back in a range (the dashboard's "New and returning
// patterns").
import { Type } from 'typebox';
import { DateTime, PatternRef, Uuid } from './common.ts';
import { IncidentFilterQuery } from './incident-filter.ts';

export const IncidentNoveltyQuery = Type.Object(
  { ...IncidentFilterQuery, limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'Patterns to list' })) },
  { additionalProperties: false },
);

export const IncidentNoveltySummary = Type.Object({
  range: Type.Object({ from: DateTime, to: DateTime }, { description: 'The range counted (default: the 30 days up to now)' }),
  counts: Type.Object(
    { new: Type.Integer(), back: Type.Integer(), rare: Type.Integer(), known: Type.Integer(), pending: Type.Integer() },
    { description: 'Incidents in the range with each label, under the filter (the list with `novelty=<label>` shows them)' },
  ),
  patterns: Type.Array(
    Type.Object({
      pattern: PatternRef,
      novelty: Type.Union([Type.Literal('new'), Type.Literal('back')], { description: 'new: its first incident ever; back: after more than 30 days quiet' }),
      incidentId: Uuid,
      at: Type.String({ ...DateTime, description: 'When that incident was created' }),
      quietDays: Type.Union([Type.Integer(), Type.Null()], { description: 'back: whole days since the pattern’s previous incident; new: null' }),
      incidents: Type.Integer({ description: 'The pattern’s incidents in the range, under the filter' }),
    }),
    { description: 'Per pattern its latest new or returning incident in the range, the latest first' },
  ),
});
