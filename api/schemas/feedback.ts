// In-product feedback: a rating, optional words, and the page (with its context) it was given on.
import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

/** The context's size as JSON; the route checks it (a schema cannot count bytes). */
export const MAX_CONTEXT_BYTES = 8 * 1024;

export const CreateFeedbackBody = Type.Object(
  {
    rating: Type.Integer({ minimum: 1, maximum: 5 }),
    text: Type.Optional(Type.String({ maxLength: 4000 })),
    page: Type.String({ minLength: 1, maxLength: 2000, pattern: '^/', description: 'The path the feedback was given on, e.g. `/dashboard`' }),
    context: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), { description: `Anything that helps read the feedback (filters, the view, the viewport); at most ${MAX_CONTEXT_BYTES / 1024} KB as JSON` }),
    ),
  },
  { additionalProperties: false },
);

export const CreatedFeedback = Type.Object({ id: Uuid });

export const FeedbackQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ format: 'uuid', description: 'Older than this entry (the previous page’s `nextBefore`)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  },
  { additionalProperties: false },
);

export const FeedbackEntry = Type.Object({
  id: Uuid,
  rating: Type.Integer(),
  text: Type.Union([Type.String(), Type.Null()]),
  page: Type.String(),
  context: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
  user: Type.Object({ id: Uuid, email: Type.Union([Type.String(), Type.Null()], { description: 'null once they left the account' }) }),
  createdAt: DateTime,
});

export const FeedbackPage = Type.Object({
  feedback: Type.Array(FeedbackEntry),
  nextBefore: Type.Union([Uuid, Type.Null()], { description: 'Pass as `before` for older entries; null on the last page' }),
});
