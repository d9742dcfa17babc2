// A user's own security events (sign-ins, failed sign-ins, password changes), from the audit log.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listUserSecurityEvents } from '../../db/audit.ts';
import { withUser } from '../../db/tenancy.ts';
import type { AppDeps } from '../deps.ts';
import { SecurityEvents } from '../schemas/auth-activity.ts';
import { commonErrors, ErrorResponse } from '../schemas/common.ts';
import { auditEntryView } from '../views.ts';

const errors = { ...commonErrors, 401: ErrorResponse, 403: ErrorResponse };

export const authActivityRoutes: FastifyPluginAsyncTypebox<{ deps: AppDeps }> = async (app, { deps }) => {
  const { sql } = deps;

  app.get(
    '/api/auth/activity',
    {
      config: { access: 'signed-in' },
      schema: {
        tags: ['auth'],
        summary: 'Your recent sign-ins, failed sign-ins and password changes (the last 50)',
        response: { 200: SecurityEvents, ...errors },
      },
    },
    async (request) => {
      const userId = request.caller!.userId;
      return { events: (await withUser(sql, userId, (tx) => listUserSecurityEvents(tx, userId, 50))).map(auditEntryView) };
    },
  );
};
