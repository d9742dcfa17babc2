import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { errorHandler } from './error-handler.ts';
import { clientErrorHandler, frameworkErrors } from './framework-errors.ts';
import { textInput, unstorableTextPath } from './text-input.ts';

describe('unstorableTextPath', () => {
  it('finds a NUL or an unpaired surrogate in nested strings and keys, and passes paired ones', () => {
    expect(unstorableTextPath({ a: ['ok', { b: 'x\u0000y' }] })).toEqual(['a', '1', 'b']);
    expect(unstorableTextPath({ name: 'a\ud8cab' })).toEqual(['name']);
    expect(unstorableTextPath({ name: 'a\udc0ab' })).toEqual(['name']);
    expect(unstorableTextPath({ 'k\u0000': 1 })).toEqual(['k\u0000']);
    expect(unstorableTextPath({ emoji: 'fire 🔥', accents: 'déjà', n: 1, none: null })).toBeUndefined();
    expect(unstorableTextPath(Buffer.from([0, 1, 2]))).toBeUndefined();
  });
});

async function app() {
  const fastify = Fastify({ frameworkErrors, clientErrorHandler, maxParamLength: 20 });
  await fastify.register(errorHandler);
  await fastify.register(textInput);
  fastify.post('/things/:id', async (request) => ({ got: request.body }));
  return fastify;
}

describe('requests refused before any handler, in the one error shape', () => {
  it('refuses a NUL in a body or a query string with 400 naming the field', async () => {
    const fastify = await app();
    const res = await fastify.inject({ method: 'POST', url: '/things/1', payload: { name: 'a\u0000b' } });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_body', details: [{ field: 'name', in: 'body' }] });
    const query = await fastify.inject({ method: 'POST', url: '/things/1?team=%00', payload: {} });
    expect(query.statusCode).toBe(400);
    expect(query.json().error.code).toBe('invalid_query');
    expect((await fastify.inject({ method: 'POST', url: '/things/1', payload: { name: 'fire 🔥' } })).statusCode).toBe(200);
    await fastify.close();
  });

  it('answers a too long URL parameter with 414 in the error shape', async () => {
    const fastify = await app();
    const res = await fastify.inject({ method: 'POST', url: `/things/${'0'.repeat(50)}`, payload: {} });
    expect(res.statusCode).toBe(414);
    expect(res.json()).toEqual({ error: { code: 'uri_too_long', message: expect.any(String), details: [], requestId: expect.any(String) } });
    await fastify.close();
  });

  it('answers oversized headers with 431 in the error shape', async () => {
    const fastify = await app();
    const url = await fastify.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${url}/things/1`, { method: 'POST', headers: { 'x-big': 'a'.repeat(64 * 1024) } });
    expect(res.status).toBe(431);
    expect(await res.json()).toEqual({ error: { code: 'headers_too_large', message: expect.any(String), details: [] } });
    await fastify.close();
  });
});
