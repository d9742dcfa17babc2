// Schemas shared by every area: ids, timestamps and the error body.
import { Type } from 'typebox';

export const Uuid = Type.String({ format: 'uuid', description: 'A UUID' });
export const DateTime = Type.String({ format: 'date-time' });

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
