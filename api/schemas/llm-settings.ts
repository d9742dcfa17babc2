// The account's LLM privacy settings: what may reach a model.
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
