// Errors Fastify and Node answer before any route or error handler runs (a URL parameter over the router's length
// limit, a malformed URL, oversized headers, a client timeout), in the API's one error shape. Found by
// `npm run drill:fuzz`: these left as Fastify's own `{ error, code, message, statusCode }`.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '../errors.ts';

const FRAMEWORK_CODES: Record<string, string> = {
  FST_ERR_MAX_PARAM_LENGTH: 'uri_too_long',
  FST_ERR_BAD_URL: 'bad_url',
};

/** Fastify's `frameworkErrors` option: router-level errors, with a request id like every other answer. */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const code = FRAMEWORK_CODES[error.code] ?? error.code.replace(/^FST_ERR_/, '').toLowerCase();
  const message = status === 414 ? 'A part of the URL is longer than any valid value' : 'The URL is not valid';
  void reply
    .status(status)
    .header('x-request-id', request.id)
    .send({ error: { code, message, details: [], requestId: String(request.id) } } satisfies ErrorBody);
}

/** Fastify's `clientErrorHandler` option: what Node's HTTP parser refuses, answered on the raw socket. */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, code, message] =
    err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? [408, 'request_timeout', 'The request took too long to arrive']
      : err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'The request headers are larger than the server accepts']
        : [400, 'bad_request', 'The request is not valid HTTP'];
  const body = JSON.stringify({ error: { code, message, details: [] } } satisfies ErrorBody);
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  }
  socket.destroy(err);
}
