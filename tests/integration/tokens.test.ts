// API tokens: shown once, stored hashed, scoped to an account and a role, revocable, with last-used time, and no
// way around a person's own routes.
import type { FastifyInstance } from 'fastify';
import { beforeAll, expect, it } from 'vitest';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, type TestDatabase } from '../helpers.ts';

const api = useApi();
let db: TestDatabase;
let app: FastifyInstance;
let owner: SignedIn;

beforeAll(async () => {
  ({ db, app } = api);
  owner = await signUp(app);
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

it('creates a token shown once and stored hashed, which then acts for the account with its role', async () => {
  const created = await owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'deploy script', role: 'responder' } });
  expect(created.statusCode).toBe(201);
  const { token, apiToken } = created.json();
  expect(token).toMatch(new RegExp(`^iit\\.${owner.accountId}\\.[A-Za-z0-9_-]{43}$`));
  expect(apiToken).toMatchObject({ name: 'deploy script', role: 'responder', lastUsedAt: null });
  const listed = await owner.call({ method: 'GET', url: '/api/tokens' });
  expect(listed.body).not.toContain(token.split('.')[2]);
  const [{ hash }] = await db.admin<[{ hash: Buffer }]>`select token_hash as hash from api_tokens where id = ${apiToken.id}`;
  expect(hash.toString()).not.toContain(token.split('.')[2]);

  const run = await app.inject({ method: 'POST', url: '/api/jobs/echo', headers: bearer(token), payload: { message: 'from a script', steps: 0 } });
  expect(run.statusCode).toBe(202);
  expect(run.json().job.workflowId).toContain(`echo/${owner.accountId}/`);
  const [{ used }] = await db.admin<[{ used: Date | null }]>`select last_used_at as used from api_tokens where id = ${apiToken.id}`;
  expect(used).not.toBeNull();
});

it('lets a viewer token read but not run, and refuses a token above its creator’s role', async () => {
  const viewer = (await owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'dashboard', role: 'viewer' } })).json().token;
  expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(viewer) })).statusCode).toBe(200);
  const run = await app.inject({ method: 'POST', url: '/api/jobs/echo', headers: bearer(viewer), payload: { message: 'no', steps: 0 } });
  expect(run.statusCode).toBe(403);
  expect(run.json().error.code).toBe('forbidden');

  const admin = (await owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'admin bot', role: 'admin' } })).json().token;
  const escalate = await app.inject({ method: 'POST', url: '/api/tokens', headers: bearer(admin), payload: { name: 'more', role: 'owner' } });
  expect(escalate.statusCode).toBe(403);
  expect(escalate.json().error.code).toBe('cannot_grant');
});

it('acts with its own role, not its creator’s: an admin token cannot change an owner', async () => {
  const { token } = (await owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'admin bot', role: 'admin' } })).json();
  const res = await app.inject({ method: 'PATCH', url: `/api/members/${owner.userId}`, headers: bearer(token), payload: { role: 'viewer' } });
  expect(res.statusCode).toBe(403);
  expect(res.json().error.code).toBe('cannot_manage');
});

it('cannot act as the person: no password change, no account switching, no sign-in routes', async () => {
  const token = (await owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'ci', role: 'owner' } })).json().token;
  for (const [method, url, payload] of [
    ['GET', '/api/auth/me', undefined],
    ['POST', '/api/auth/password', { currentPassword: owner.password, newPassword: 'a new one from a bot' }],
    ['POST', '/api/accounts', { name: 'Bot account' }],
  ] as const) {
    const res = await app.inject({ method, url, headers: bearer(token), ...(payload ? { payload } : {}) });
    expect(res.statusCode, url).toBe(403);
    expect(res.json().error.code).toBe('not_for_api_tokens');
  }
});

it('stops working at once when revoked, when its creator leaves, or when tampered with', async () => {
  const created = (await owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'short-lived', role: 'viewer' } })).json();
  expect((await owner.call({ method: 'POST', url: `/api/tokens/${created.apiToken.id}/revoke` })).statusCode).toBe(204);
  const revoked = await app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(created.token) });
  expect(revoked.statusCode).toBe(401);
  expect(revoked.json().error.code).toBe('invalid_token');

  const tampered = `${created.token.slice(0, -4)}AAAA`;
  expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(tampered) })).statusCode).toBe(401);

  // A token made by an admin who is later removed lapses with them.
  const adminUser = await signUp(app);
  await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: adminUser.email, role: 'admin' } });
  const [mail] = await db.admin<[{ body: string }]>`select body from outbox_emails where recipient = ${adminUser.email} order by id desc limit 1`;
  const inviteToken = decodeURIComponent(/token=(\S+)/.exec(mail.body)![1]!);
  await adminUser.call({ method: 'POST', url: '/api/invitations/accept', payload: { token: inviteToken } });
  const adminToken = (await adminUser.call({ method: 'POST', url: '/api/tokens', payload: { name: 'theirs', role: 'responder' } })).json().token;
  expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(adminToken) })).statusCode).toBe(200);
  await owner.call({ method: 'DELETE', url: `/api/members/${adminUser.userId}` });
  expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(adminToken) })).statusCode).toBe(401);
});

it('answers 404 for another account’s token and leaves it working', async () => {
  const other = await signUp(app);
  const theirs = (await other.call({ method: 'POST', url: '/api/tokens', payload: { name: 'theirs', role: 'viewer' } })).json();
  expect((await owner.call({ method: 'POST', url: `/api/tokens/${theirs.apiToken.id}/revoke` })).statusCode).toBe(404);
  expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(theirs.token) })).statusCode).toBe(200);
  // A token names its account; changing that part does not reach another account.
  const moved = theirs.token.replace(other.accountId, owner.accountId);
  expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: bearer(moved) })).statusCode).toBe(401);
});
