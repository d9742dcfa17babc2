// The one place that decides whether a request may run its route: every route declares `config.access`, the
// caller's role in their current account is looked up, and this hook compares them. Handlers never check roles.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.ts';
import { allows, isRouteAccess, needsConfirmedEmail, type RouteAccess } from '../permissions.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
  interface FastifyInstance {
    /** Every route with its declared access: the route × role tests walk it, so a new route is tested at once. */
    routeAccess: { method: string; url: string; access: RouteAccess }[];
  }
}

export const authorization = fp(
  async (app: FastifyInstance) => {
    const routeAccess: FastifyInstance['routeAccess'] = [];
    app.decorate('routeAccess', routeAccess);
    app.addHook('onRoute', (route) => {
      // The documentation routes of @fastify/swagger-ui are public by nature.
      if (route.url.startsWith('/docs')) return;
      const access = (route.config as { access?: unknown } | undefined)?.access;
      if (!isRouteAccess(access)) {
        throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access: a permission, 'signed-in' or 'public')`);
      }
      for (const method of [route.method].flat()) if (method !== 'HEAD') routeAccess.push({ method, url: route.url, access });
    });
    // onRequest: before the body is read or validated, so callers without the right get 401/403, not 400.
    app.addHook('onRequest', async (request) => {
      const access = request.routeOptions.config.access;
      if (access === undefined || access === 'public') return;
      const caller = await app.authenticate(request);
      request.caller = caller;
      if (access === 'signed-in') {
        // The caller's own things (password, sessions, accounts) are for people, not for machines.
        if (caller.viaToken) throw new AppError(403, 'not_for_api_tokens', 'API tokens cannot use this route; sign in as a person');
        return;
      }
      if (!caller.account) throw new AppError(403, 'no_account', 'Create an account or choose one of yours first');
      if (!allows(caller.account, access)) {
        throw new AppError(403, 'forbidden', `Your role (${caller.account.role}) does not allow ${access}`, [{ message: `requires ${access}` }]);
      }
      if (needsConfirmedEmail(access) && !caller.emailVerified) {
        throw new AppError(403, 'email_unconfirmed', 'Confirm your email address first: open the link we sent you (or use “Send a new link” at the top of any page)');
      }
      request.accountId = caller.account.accountId;
    });
  },
  { name: 'authorization', dependencies: ['authentication'] },
);
