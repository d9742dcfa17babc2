// Every route × every role, from the routes the API itself registered: a role the matrix does not allow gets 403
// in the common error format before anything else happens; an allowed one never does. New routes are covered as
// soon as they exist.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { can, ROLES, type Permission, type Role } from '../../api/permissions.ts';
import { withAccount } from '../../db/tenancy.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi } from '../helpers.ts';

const api = useApi();
let app: FastifyInstance;
const callers = {} as Record<Role, SignedIn>;

beforeAll(async () => {
  app = api.app;
  const owner = await signUp(app);
  callers.owner = owner;
  for (const role of ROLES.filter((r) => r !== 'owner')) {
    const member = await signUp(app);
    await withAccount(api.db.sql, owner.accountId, (tx) => tx`insert into memberships (account_id, user_id, role) values (${owner.accountId}, ${member.userId}, ${role})`);
    const switched = await member.call({ method: 'POST', url: '/api/auth/switch-account', payload: { accountId: owner.accountId } });
    if (switched.statusCode !== 200) throw new Error(`switch failed: ${switched.body}`);
    callers[role] = member;
  }
});

/** Params filled with a valid-looking id; the route's own checks may answer 400 or 404, which is fine here. */
const concrete = (url: string) => url.replace(/:[A-Za-z]+/g, '7b0fbc64-5b43-4a5f-9d1c-1d3e0f6d2a11');

describe('route × role', () => {
  it('covers every route that needs a permission', () => {
    const guarded = app.routeAccess.filter((r) => r.access !== 'public' && r.access !== 'signed-in');
    expect(guarded.length).toBeGreaterThanOrEqual(15);
  });

  it('answers 403 forbidden to every role the matrix refuses, and never to one it allows', async () => {
    const problems: string[] = [];
    for (const route of app.routeAccess.filter((r) => r.access !== 'public' && r.access !== 'signed-in')) {
      for (const role of ROLES) {
        // Routes that would end the caller's place in the account (delete it, leave it) are only checked for
        // refusals, so every caller keeps their role for the rest of the walk.
        const destructive = (route.method === 'DELETE' || route.url === '/api/account/leave') && can(role, route.access as Permission);
        if (destructive) continue;
        const res = await callers[role].call({ method: route.method as 'GET', url: concrete(route.url), ...(route.method === 'GET' ? {} : { payload: {} }) });
        const code = res.statusCode === 403 ? res.json().error?.code : undefined;
        const allowed = can(role, route.access as Permission);
        if (!allowed && code !== 'forbidden') problems.push(`${role} ${route.method} ${route.url}: ${res.statusCode} ${code ?? ''} (expected 403 forbidden)`);
        if (allowed && code === 'forbidden') problems.push(`${role} ${route.method} ${route.url}: refused although allowed`);
      }
    }
    expect(problems).toEqual([]);
    // The walk changed no one's place: every caller still acts for the owner's account with their role.
    for (const role of ROLES) {
      const me = (await callers[role].call({ method: 'GET', url: '/api/auth/me' })).json();
      expect(me.account, role).toMatchObject({ accountId: callers.owner.accountId, role });
    }
  });

  it('answers 401 in the common format to every non-public route without a token', async () => {
    const problems: string[] = [];
    for (const route of app.routeAccess.filter((r) => r.access !== 'public')) {
      const res = await app.inject({ method: route.method as 'GET', url: concrete(route.url), ...(route.method === 'GET' ? {} : { payload: {} }) });
      if (res.statusCode !== 401 || res.json().error?.code !== 'unauthenticated') problems.push(`${route.method} ${route.url}: ${res.statusCode}`);
    }
    expect(problems).toEqual([]);
  });
});
