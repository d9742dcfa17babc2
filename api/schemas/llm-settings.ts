// The account's LLM privacy settings, and the record of what was sent to a model.
import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

export const MAX_REDACTION_PATTERNS = 20;

export const LlmSettingsBody = Type.Object(
  {
    enabled: Type.Boolean({ description: 'false: nothing of the account goes to a model or an embeddings endpoint; drafts come from retrieval' }),
    sendDescriptions: Type.Boolean({ description: 'Incident descriptions go into prompts' }),
    sendNotes: Type.Boolean({ description: 'Incident notes (timeline) go into prompts' }),
    redactionPatterns: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
      maxItems: MAX_REDACTION_PATTERNS,
      description: 'Extra regular expressions (JavaScript syntax) replaced by [redacted] before anything is sent',
    }),
  },
  { additionalProperties: false },
);

export const LlmSettings = Type.Object({
  enabled: Type.Boolean(),
  sendDescriptions: Type.Boolean(),
  sendNotes: Type.Boolean(),
  redactionPatterns: Type.Array(Type.String()),
  updatedBy: Type.Union([Uuid, Type.Null()]),
  updatedAt: Type.Union([DateTime, Type.Null()]),
  modelConfigured: Type.Boolean({ description: 'Whether the server has a model (OPENAI_MODEL); without one, drafts come from retrieval' }),
});

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
