// One error handler and one 404 handler: every failure leaves as { error: { code, message, details } }.
import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, type ErrorBody, type ErrorDetail } from '../errors.ts';

interface AjvError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'params', headers: 'headers' };

/** `/filters/0/service` + a missing `name` -> `filters.0.service.name`. */
function fieldOf(error: AjvError): string {
  const path = error.instancePath.split('/').filter(Boolean).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const extra = error.params.missingProperty ?? error.params.additionalProperty;
  if (typeof extra === 'string') path.push(extra);
  return path.join('.');
}

function describe(error: AjvError): string {
  if (error.keyword === 'additionalProperties') return 'is not a known field';
  if (error.keyword === 'required') return 'is required';
  return error.message ?? 'is invalid';
}

export function validationDetails(part: string, errors: AjvError[]): ErrorDetail[] {
  return errors.map((e) => {
    const field = fieldOf(e);
    return { ...(field ? { field } : {}), in: part, message: `${field ? `${part}.${field}` : part} ${describe(e)}` };
  });
}

/** Fastify's own 4xx errors, renamed into our vocabulary; others become their code in snake case. */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_content_length',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
};

function codeOf(err: FastifyError): string {
  if (err instanceof SyntaxError) return 'invalid_json';
  if (!err.code) return 'bad_request';
  return FASTIFY_CODES[err.code] ?? err.code.replace(/^FST_ERR_/, '').toLowerCase();
}

export const errorHandler = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err: FastifyError | AppError | Error, request, reply) => {
      let status = 500;
      let body: ErrorBody['error'];
      if ('validation' in err && Array.isArray(err.validation)) {
        const part = PART_NAMES[err.validationContext ?? 'body'] ?? 'body';
        const details = validationDetails(part, err.validation as unknown as AjvError[]);
        status = 400;
        body = { code: `invalid_${part}`, message: details.map((d) => d.message).join('; '), details };
      } else if (err instanceof AppError) {
        status = err.statusCode;
        body = { code: err.code, message: err.message, details: err.details };
      } else if ('statusCode' in err && typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
        status = err.statusCode;
        body = { code: codeOf(err as FastifyError), message: err.message, details: [] };
      } else {
        body = { code: 'internal', message: 'Something went wrong on our side; the request id helps us find it', details: [] };
      }
      if (status >= 500) request.log.error({ err }, 'request failed');
      else request.log.info({ code: body.code, status }, 'request rejected');
      if (status >= 500 && err instanceof AppError && err.cause) request.log.error({ err: err.cause }, 'cause');
      return reply.status(status).send({ error: { ...body, requestId: String(request.id) } } satisfies ErrorBody);
    });

    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        error: { code: 'route_not_found', message: `No route ${request.method} ${request.url.split('?')[0]}`, details: [], requestId: String(request.id) },
      } satisfies ErrorBody),
    );
  },
  { name: 'error-handler' },
);
