// Schemas shared by every area: ids, timestamps, patterns named where referenced, and the error body.
import { Type } from 'typebox';

export const Uuid = Type.String({ format: 'uuid', description: 'A UUID' });
export const DateTime = Type.String({ format: 'date-time' });

/** A cluster named where it is referenced: by the user's name, else its label; null name: it no longer exists. */
export const PatternRef = Type.Object(
  {
    id: Type.String({ description: 'The cluster id (links to /clusters/<id>)' }),
    name: Type.Union([Type.String(), Type.Null()], { description: 'The name a user gave the pattern, else its label; null: the pattern no longer exists (merged, split or gone)' }),
  },
  { description: 'A pattern (cluster) by name' },
);

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable, machine-readable: invalid_body, not_found, temporal_unavailable, ...' }),
      message: Type.String({ description: 'For humans; names the field when one is wrong' }),
      details: Type.Array(
        Type.Object({
          field: Type.Optional(Type.String()),
          in: Type.Optional(Type.String()),
          message: Type.String(),
        }),
      ),
      requestId: Type.Optional(Type.String()),
    }),
  },
  { $id: 'ErrorResponse', description: 'The body of every failed request' },
);

/** Responses every route can give, for the OpenAPI document. */
export const commonErrors = {
  400: ErrorResponse,
  500: ErrorResponse,
} as const;
