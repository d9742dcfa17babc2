// One search box over runbooks (semantic and keyword) and past incidents.
import { Type, type Static } from 'typebox';
import { DateTime, Uuid } from './common.ts';

export const SearchQuery = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 500, description: 'What to look for: an alert, a symptom, a command' }),
    kinds: Type.Optional(
      Type.String({ pattern: '^(runbooks|incidents)(,(runbooks|incidents))*$', default: 'runbooks,incidents', description: 'Which lists to fill, comma-separated: runbooks, incidents' }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50, default: 10, description: 'Hits per list' })),
  },
  { additionalProperties: false },
);
export type SearchQuery = Static<typeof SearchQuery>;

const Why = Type.Object(
  {
    kind: Type.Union([Type.Literal('chunk'), Type.Literal('title')], { description: 'chunk: a piece of the runbook matched by meaning; title: words in the title, tags or description' }),
    text: Type.String({ description: 'The matched chunk’s text, or the title' }),
  },
  { description: 'Why it was found' },
);

export const RunbookSearchHit = Type.Object({
  id: Uuid,
  title: Type.String(),
  version: Type.Integer({ description: 'The runbook’s current version' }),
  score: Type.Number({ description: 'Higher is better: chunk similarity + keyword matches + boost' }),
  boost: Type.Number({ description: 'What ratings added to the score' }),
  why: Why,
  chunks: Type.Array(Type.Object({ id: Type.String(), text: Type.String(), score: Type.Number(), version: Type.Integer() }), { description: 'The chunks that matched, best first' }),
});

export const IncidentSearchHit = Type.Object({
  id: Uuid,
  title: Type.String(),
  service: Type.Union([Type.String(), Type.Null()]),
  severity: Type.String(),
  status: Type.String(),
  createdAt: DateTime,
  resolvedAt: Type.Union([DateTime, Type.Null()]),
  clusterId: Type.Union([Type.String(), Type.Null()]),
  score: Type.Number(),
  why: Why,
});

export const SearchResult = Type.Object({
  runbooks: Type.Array(RunbookSearchHit),
  incidents: Type.Array(IncidentSearchHit),
  index: Type.Union([Type.Literal('pinecone'), Type.Literal('pgvector'), Type.Literal('exact')], { description: 'Where the runbook chunks were searched' }),
  embeddingModel: Type.String({ description: 'The model that embedded the query (`local-hash-384` when nothing left the product)' }),
});
