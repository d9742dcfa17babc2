// Members and invitations: single-use expiring links bound to an email, roles up to one's own, the last owner,
// and every route refusing the roles it should.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { emailedToken, signUp } from '../../devkit/app.ts';
import { joinedTeam, useApi, type TestDatabase } from '../helpers.ts';

const api = useApi();
let db: TestDatabase;
let app: FastifyInstance;

beforeAll(() => {
  ({ db, app } = api);
});

const invitationToken = (email: string) => emailedToken(db.admin, email, '/invitations/accept');
const teamWith = (role: 'admin' | 'responder' | 'viewer') => joinedTeam(app, db, role);

describe('invitations', () => {
  it('emails a link that lets the invited address join with the role, once', async () => {
    const owner = await signUp(app, { accountName: 'Inviters' });
    const guest = await signUp(app, { accountName: 'Guest home' });
    const res = await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: guest.email.toUpperCase(), role: 'responder' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().invitation).toMatchObject({ email: guest.email, role: 'responder' });
    const token = await invitationToken(guest.email);
    expect(token.startsWith(`${owner.accountId}.`)).toBe(true);
    const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from invitations where token_hash::text like ${'%' + token + '%'}`;
    expect(n).toBe(0); // only a hash is stored

    const preview = await app.inject({ method: 'POST', url: '/api/invitations/preview', payload: { token } });
    expect(preview.json()).toMatchObject({ accountName: 'Inviters', role: 'responder', status: 'open' });

    const accepted = await guest.call({ method: 'POST', url: '/api/invitations/accept', payload: { token } });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json().account).toMatchObject({ accountId: owner.accountId, role: 'responder' });
    expect(accepted.json().memberships).toHaveLength(2);

    const again = await guest.call({ method: 'POST', url: '/api/invitations/accept', payload: { token } });
    expect(again.statusCode).toBe(410);
    expect(again.json().error.code).toBe('invitation_used');
    expect((await app.inject({ method: 'POST', url: '/api/invitations/preview', payload: { token } })).json().status).toBe('used');
  });

  it('refuses a link for another email, an expired one, a revoked one, and a resent one’s old link', async () => {
    const owner = await signUp(app);
    const invited = await signUp(app);
    const stranger = await signUp(app);
    await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: invited.email, role: 'viewer' } });
    const token = await invitationToken(invited.email);

    const wrongPerson = await stranger.call({ method: 'POST', url: '/api/invitations/accept', payload: { token } });
    expect(wrongPerson.statusCode).toBe(403);
    expect(wrongPerson.json().error.code).toBe('invitation_for_another_email');

    await db.admin`update invitations set expires_at = now() - interval '1 second' where email = ${invited.email}`;
    const expired = await invited.call({ method: 'POST', url: '/api/invitations/accept', payload: { token } });
    expect(expired.statusCode).toBe(410);
    expect(expired.json().error.code).toBe('invitation_expired');

    const [{ id }] = await db.admin<[{ id: string }]>`select id from invitations where email = ${invited.email}`;
    const resent = await owner.call({ method: 'POST', url: `/api/invitations/${id}/resend` });
    expect(resent.statusCode).toBe(200);
    const fresh = await invitationToken(invited.email);
    expect(fresh).not.toBe(token);
    expect((await invited.call({ method: 'POST', url: '/api/invitations/accept', payload: { token } })).statusCode).toBe(404);

    expect((await owner.call({ method: 'POST', url: `/api/invitations/${id}/revoke` })).statusCode).toBe(204);
    const revoked = await invited.call({ method: 'POST', url: '/api/invitations/accept', payload: { token: fresh } });
    expect(revoked.statusCode).toBe(410);
    expect(revoked.json().error.code).toBe('invitation_revoked');
  });

  it('refuses to invite above one’s own role, twice the same address, or an existing member', async () => {
    const { owner, member: admin } = await teamWith('admin');
    const high = await admin.call({ method: 'POST', url: '/api/invitations', payload: { email: 'boss@example.com', role: 'owner' } });
    expect(high.statusCode).toBe(403);
    expect(high.json().error).toMatchObject({ code: 'cannot_grant', details: [{ field: 'role' }] });
    expect((await admin.call({ method: 'POST', url: '/api/invitations', payload: { email: 'peer@example.com', role: 'admin' } })).statusCode).toBe(201);
    const twice = await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: 'peer@example.com', role: 'viewer' } });
    expect(twice.statusCode).toBe(409);
    expect(twice.json().error.code).toBe('already_invited');
    const member = await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: admin.email, role: 'viewer' } });
    expect(member.json().error.code).toBe('already_member');
  });
});

describe('invitations and their inviter', () => {
  it('lapse when the inviter can no longer grant their role', async () => {
    const { owner, member: admin } = await teamWith('admin');
    const friend = await signUp(app);
    await admin.call({ method: 'POST', url: '/api/invitations', payload: { email: friend.email, role: 'admin' } });
    const token = await invitationToken(friend.email);
    await owner.call({ method: 'PATCH', url: `/api/members/${admin.userId}`, payload: { role: 'viewer' } });
    const res = await friend.call({ method: 'POST', url: '/api/invitations/accept', payload: { token } });
    expect(res.statusCode).toBe(410);
    expect(res.json().error.code).toBe('invitation_revoked');
    const invitations = await owner.call({ method: 'GET', url: '/api/invitations' });
    expect(invitations.json().invitations.map((i: { email: string }) => i.email)).toContain(friend.email); // still visible, to revoke
  });
});

describe('roles', () => {
  it('does not let a member raise their own role', async () => {
    const { member: admin } = await teamWith('admin');
    const res = await admin.call({ method: 'PATCH', url: `/api/members/${admin.userId}`, payload: { role: 'owner' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('cannot_grant');
    const { member: responder } = await teamWith('responder');
    const self = await responder.call({ method: 'PATCH', url: `/api/members/${responder.userId}`, payload: { role: 'admin' } });
    expect(self.statusCode).toBe(403);
    expect(self.json().error.code).toBe('forbidden'); // responders cannot manage members at all
  });

  it('keeps an owner: the last one cannot be demoted, removed or leave, until ownership is handed over', async () => {
    const { owner, member } = await teamWith('admin');
    const demote = await owner.call({ method: 'PATCH', url: `/api/members/${owner.userId}`, payload: { role: 'admin' } });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('last_owner');
    expect((await owner.call({ method: 'POST', url: '/api/account/leave' })).json().error.code).toBe('last_owner');
    const byAdmin = await member.call({ method: 'DELETE', url: `/api/members/${owner.userId}` });
    expect(byAdmin.statusCode).toBe(403);
    expect(byAdmin.json().error.code).toBe('cannot_manage');

    const transfer = await owner.call({ method: 'POST', url: '/api/account/transfer-ownership', payload: { userId: member.userId } });
    expect(transfer.statusCode).toBe(200);
    const roles = Object.fromEntries(transfer.json().members.map((m: { userId: string; role: string }) => [m.userId, m.role]));
    expect(roles).toEqual({ [owner.userId]: 'admin', [member.userId]: 'owner' });
    const left = await owner.call({ method: 'POST', url: '/api/account/leave' });
    expect(left.statusCode).toBe(200);
    expect(left.json().memberships.map((m: { accountId: string }) => m.accountId)).not.toContain(owner.accountId); // the team's account
  });

  it('changes a role at once: a viewer promoted to responder can run a job on the next request', async () => {
    const { owner, member } = await teamWith('viewer');
    expect((await member.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'x', steps: 0 } })).statusCode).toBe(403);
    const promoted = await owner.call({ method: 'PATCH', url: `/api/members/${member.userId}`, payload: { role: 'responder' } });
    expect(promoted.json().member.role).toBe('responder');
    expect((await member.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'x', steps: 0 } })).statusCode).toBe(202);
    const removed = await owner.call({ method: 'DELETE', url: `/api/members/${member.userId}` });
    expect(removed.statusCode).toBe(204);
    const after = await member.call({ method: 'GET', url: '/api/jobs' });
    expect(after.statusCode).toBe(403);
    expect(after.json().error.code).toBe('no_account');
  });
});

describe('every member route, for every role', () => {
  const routes = [
    { name: 'list members', method: 'GET', url: () => '/api/members', allowed: ['owner', 'admin', 'responder', 'viewer'] },
    { name: 'list invitations', method: 'GET', url: () => '/api/invitations', allowed: ['owner', 'admin'] },
    { name: 'invite', method: 'POST', url: () => '/api/invitations', payload: () => ({ email: `x-${crypto.randomUUID()}@example.com`, role: 'viewer' }), allowed: ['owner', 'admin'] },
  ] as const;

  for (const route of routes) {
    it(`${route.name}: allowed for ${route.allowed.join(', ')}, 403 in the common format for the others`, async () => {
      for (const role of ['owner', 'admin', 'responder', 'viewer'] as const) {
        const caller = role === 'owner' ? await signUp(app) : (await teamWith(role)).member;
        const res = await caller.call({ method: route.method, url: route.url(), ...('payload' in route ? { payload: route.payload() } : {}) });
        if ((route.allowed as readonly string[]).includes(role)) {
          expect(res.statusCode, `${role}: ${res.body}`).toBeLessThan(300);
        } else {
          expect(res.statusCode, role).toBe(403);
          expect(res.json().error).toMatchObject({ code: 'forbidden' });
        }
      }
    });
  }

  it('answers 404 for another account’s members and invitations, and changes nothing', async () => {
    const { owner: mine } = await teamWith('viewer');
    const { owner: theirs, member: theirMember } = await teamWith('responder');
    await theirs.call({ method: 'POST', url: '/api/invitations', payload: { email: 'target@example.com', role: 'viewer' } });
    const [{ id }] = await db.admin<[{ id: string }]>`select id from invitations where email = 'target@example.com'`;
    const attempts = [
      await mine.call({ method: 'PATCH', url: `/api/members/${theirMember.userId}`, payload: { role: 'viewer' } }),
      await mine.call({ method: 'DELETE', url: `/api/members/${theirMember.userId}` }),
      await mine.call({ method: 'POST', url: `/api/invitations/${id}/revoke` }),
      await mine.call({ method: 'POST', url: `/api/invitations/${id}/resend` }),
    ];
    expect(attempts.map((a) => a.statusCode)).toEqual([404, 404, 404, 404]);
    const [{ role }] = await db.admin<[{ role: string }]>`select role from memberships where user_id = ${theirMember.userId} and account_id = ${theirs.accountId}`;
    expect(role).toBe('responder');
    const [{ revoked }] = await db.admin<[{ revoked: Date | null }]>`select revoked_at as revoked from invitations where id = ${id}`;
    expect(revoked).toBeNull();
  });
});

describe('the account itself', () => {
  it('is renamed by an owner or admin, not by a responder', async () => {
    const { owner, member: responder } = await teamWith('responder');
    const refused = await responder.call({ method: 'PATCH', url: '/api/account', payload: { name: 'Hijacked' } });
    expect(refused.statusCode).toBe(403);
    const renamed = await owner.call({ method: 'PATCH', url: '/api/account', payload: { name: 'New name' } });
    expect(renamed.json().account.accountName).toBe('New name');
    expect((await responder.call({ method: 'GET', url: '/api/auth/me' })).json().account.accountName).toBe('New name');
  });

  it('is deleted only by an owner who types its name, with all its data, leaving members their users', async () => {
    const { owner, member: admin } = await teamWith('admin');
    const name = (await owner.call({ method: 'GET', url: '/api/auth/me' })).json().account.accountName as string;
    await owner.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'doomed', steps: 0 } });
    expect((await admin.call({ method: 'DELETE', url: '/api/account', payload: { confirmName: name } })).statusCode).toBe(403);
    const mismatch = await owner.call({ method: 'DELETE', url: '/api/account', payload: { confirmName: name.toUpperCase() } });
    expect(mismatch.statusCode).toBe(400);
    expect(mismatch.json().error).toMatchObject({ code: 'confirmation_mismatch', details: [{ field: 'confirmName' }] });

    const deleted = await owner.call({ method: 'DELETE', url: '/api/account', payload: { confirmName: name } });
    expect(deleted.statusCode).toBe(200);
    expect(deleted.json().memberships.map((m: { accountId: string }) => m.accountId)).not.toContain(owner.accountId);
    const [{ jobs, members }] = await db.admin<[{ jobs: number; members: number }]>`
      select (select count(*)::int from jobs where account_id = ${owner.accountId}) as jobs,
             (select count(*)::int from memberships where account_id = ${owner.accountId}) as members`;
    expect([jobs, members]).toEqual([0, 0]);
    const adminMe = await admin.call({ method: 'GET', url: '/api/auth/me' });
    expect(adminMe.statusCode).toBe(200);
    expect(adminMe.json().memberships).toHaveLength(1); // their own account remains
  });
});
