// The account a request acts for. Until sign-in exists every request acts for the demo account; this is the one place
// that decides it, so accounts and permissions replace it without touching a handler.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export const DEMO_ACCOUNT_ID = 'demo';

declare module 'fastify' {
  interface FastifyRequest {
    accountId: string;
  }
}

export const accountContext = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('accountId', '');
    app.addHook('onRequest', async (request) => {
      request.accountId = DEMO_ACCOUNT_ID;
    });
  },
  { name: 'account-context' },
);
