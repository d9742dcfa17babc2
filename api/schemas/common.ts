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

/** A record as a JSON response carries it: a Date becomes its ISO-8601 string. */
export type AsJson<T> = { [K in keyof T]: Date extends T[K] ? Exclude<T[K], Date> | string : T[K] };

/**
 * True when a response schema has exactly the fields of the record it sends and every record fits it (the schema may
 * say less of a value, `string` for a union of names). `true satisfies Describes<Static<typeof S>, T>;` beside a schema
 * stops tsc when the schema or the record changes without the other.
 */
export type Describes<Schema, Sent> = [keyof Schema] extends [keyof Sent] ? ([keyof Sent] extends [keyof Schema] ? ([Sent] extends [Schema] ? true : false) : false) : false;
