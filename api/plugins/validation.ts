// Request validation: bodies are checked strictly (no type coercion, unknown fields rejected); query strings and
// params coerce their text to the declared types, as URLs carry only text.
import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

// ajv-formats is CommonJS; its default export arrives wrapped under native ESM.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv) => Ajv;

const shared: Options = { removeAdditional: false, useDefaults: true, allErrors: true, strict: false };

export const validation = fp(
  async (app: FastifyInstance) => {
    const strictAjv = addFormats(new Ajv({ ...shared, coerceTypes: false }));
    const coercingAjv = addFormats(new Ajv({ ...shared, coerceTypes: 'array' }));
    app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strictAjv : coercingAjv).compile(schema));
  },
  { name: 'validation' },
);
