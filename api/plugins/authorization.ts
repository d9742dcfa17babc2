// The one place that decides whether a request may run its route: every route declares `config.access`, the
// request's account context carries a role, and this hook compares them. Handlers never check roles themselves.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../errors.ts';
import { can, isRouteAccess, type RouteAccess } from '../permissions.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export const authorization = fp(
  async (app: FastifyInstance) => {
    app.addHook('onRoute', (route) => {
      // Fastify's own routes (HEAD twins, the docs UI) inherit from their parent or are documentation.
      if (route.url.startsWith('/docs')) return;
      const access = (route.config as { access?: unknown } | undefined)?.access;
      if (!isRouteAccess(access)) {
        throw new Error(`route ${String(route.method)} ${route.url} declares no access (config.access: a permission or 'public')`);
      }
    });
    app.addHook('preHandler', async (request) => {
      const access = request.routeOptions.config.access;
      if (access === undefined || access === 'public') return;
      const context = request.account;
      if (!context) throw new AppError(401, 'unauthenticated', 'Sign in to continue');
      if (!can(context.role, access)) {
        throw new AppError(403, 'forbidden', `Your role (${context.role}) does not allow ${access}`, [{ message: `requires ${access}` }]);
      }
    });
  },
  { name: 'authorization', dependencies: ['account-context'] },
);
