// The API's shapes for the web, all from the generated schema.d.ts (`npm run generate:api`): a page names a route's
// answer or body here instead of copying it.
import type { components, paths } from './schema';

export type { components, paths };

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Operation<P extends keyof paths, M extends keyof paths[P]> = paths[P][M];

/** The JSON body that `method path` answers with `status` (200 unless said). */
export type Answer<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = Operation<P, M> extends {
  responses: infer R;
}
  ? S extends keyof R
    ? Json<R[S]>
    : never
  : never;

/** The JSON body that `method path` takes. */
export type Body<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { requestBody?: infer B } ? Json<NonNullable<B>> : never;

/** The query parameters of `method path`. */
export type Query<P extends keyof paths, M extends keyof paths[P]> = Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/**
 * The one error shape every failure answers with (routes declare it inline per status; the document's only component
 * carries @fastify/swagger's generated name, so it is read from a route).
 */
export type ApiFailure = Answer<'/api/jobs/{id}', 'get', 404>;
