// The account a request acts for, and the role it holds there. Until sign-in exists every request acts for the demo
// account as its owner; this is the one place that decides it, so sign-in replaces it without touching a handler.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Role } from '../permissions.ts';

export const DEMO_ACCOUNT_ID = 'demo';

export interface AccountContext {
  accountId: string;
  role: Role;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set for every request that may touch account data; absent means not signed in. */
    account: AccountContext | undefined;
    /** Shorthand for `account.accountId` in routes that require a permission (always set there). */
    accountId: string;
  }
}

export const accountContext = fp(
  async (app: FastifyInstance) => {
    app.decorateRequest('account', undefined);
    app.decorateRequest('accountId', '');
    app.addHook('onRequest', async (request) => {
      request.account = { accountId: DEMO_ACCOUNT_ID, role: 'owner' };
      request.accountId = request.account.accountId;
    });
  },
  { name: 'account-context' },
);
