// Webhook deliveries from ticket tools: where they go, and what the API answers.
import { Type } from 'typebox';
import { Uuid } from './common.ts';

export const WebhookParams = Type.Object({ accountId: Type.String({ minLength: 1, maxLength: 64 }), integrationId: Uuid }, { additionalProperties: false });
export const WebhookAccepted = Type.Object({
  received: Type.Integer({ description: 'Events in the delivery' }),
  stored: Type.Integer({ description: 'New ones (the rest were delivered before, or filtered out)' }),
  filtered: Type.Integer(),
});
