// The OpenAPI document (/docs/json) and its browsable page (/docs), built from the routes' own schemas.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const openapi = fp(
  async (app: FastifyInstance, opts: { version: string }) => {
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: {
          title: 'Incident Insights API',
          version: opts.version,
          description: 'Ingest, unify, cluster and act on incidents. Every failure answers `{ error: { code, message, details } }`.',
        },
        tags: [
          { name: 'health', description: 'Health of every part of the platform' },
          { name: 'auth', description: 'Sign-up, sign-in, sessions and the caller’s accounts' },
          { name: 'accounts', description: 'Accounts (organisations)' },
          { name: 'members', description: 'Members of an account, invitations, ownership' },
          { name: 'tokens', description: 'API tokens for machines' },
          { name: 'jobs', description: 'Long-running jobs (Temporal workflows) and their progress' },
        ],
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token from /api/auth/signin or /api/auth/refresh' } },
        },
        security: [{ bearer: [] }],
      },
    });
    await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  },
  { name: 'openapi' },
);
