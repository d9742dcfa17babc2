// The record of what was sent to a model (already redacted).
import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

export const LlmRequestQuery = Type.Object(
  {
    draftId: Type.Optional(Uuid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    before: Type.Optional(Type.String({ pattern: '^[0-9]{1,18}$', description: 'The last `id` of the previous page' })),
  },
  { additionalProperties: false },
);

export const LlmRequest = Type.Object({
  id: Type.String(),
  draftId: Type.Union([Uuid, Type.Null()]),
  model: Type.String(),
  messages: Type.Array(Type.Object({ role: Type.String(), content: Type.String() }), { description: 'As sent: already redacted' }),
  redactionCounts: Type.Record(Type.String(), Type.Integer()),
  requestChars: Type.Integer(),
  responseChars: Type.Union([Type.Integer(), Type.Null()]),
  durationMs: Type.Union([Type.Integer(), Type.Null()]),
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('invalid'), Type.Literal('error')]),
  error: Type.Union([Type.String(), Type.Null()]),
  createdAt: DateTime,
});
export const LlmRequestList = Type.Object({ requests: Type.Array(LlmRequest) });
