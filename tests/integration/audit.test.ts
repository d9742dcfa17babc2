// The audit log: sign-ins, failed sign-ins, membership and role changes and tokens are recorded in a hash chain per
// account that nobody can quietly edit, and that shows when someone with database access did.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendAudit, verifyAccountChain } from '../../db/audit.ts';
import { withAccount } from '../../db/tenancy.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { joinedTeam, useApi, type TestDatabase } from '../helpers.ts';

const api = useApi();
let db: TestDatabase;
let app: FastifyInstance;

beforeAll(() => {
  ({ db, app } = api);
});

type Entry = { seq: number; action: string; actor: { label: string; userId: string | null; tokenId: string | null }; subjectUserId: string | null; details: Record<string, unknown>; target: { type: string; id: string } | null };

async function auditOf(user: SignedIn, query = ''): Promise<Entry[]> {
  const res = await user.call({ method: 'GET', url: `/api/audit${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().entries;
}

describe('what is recorded', () => {
  it('records membership, role and token changes with who did them, in order, in the account’s chain', async () => {
    const { owner, member } = await joinedTeam(app, db, 'viewer');
    await owner.call({ method: 'PATCH', url: `/api/members/${member.userId}`, payload: { role: 'responder' } });
    const created = (await owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'deploy bot', role: 'responder' } })).json();
    await owner.call({ method: 'POST', url: `/api/tokens/${created.apiToken.id}/revoke` });
    await owner.call({ method: 'DELETE', url: `/api/members/${member.userId}` });

    const entries = await auditOf(owner);
    expect(entries.map((e) => e.action)).toEqual([
      'member.removed',
      'token.revoked',
      'token.created',
      'member.role_changed',
      'invitation.accepted',
      'invitation.created',
      'account.created',
    ]);
    expect(entries.map((e) => e.seq)).toEqual([7, 6, 5, 4, 3, 2, 1]);
    const [removed, revoked, , changed, accepted, invited] = entries;
    expect(invited).toMatchObject({ actor: { label: owner.email, userId: owner.userId }, details: { email: member.email, role: 'viewer' } });
    expect(accepted).toMatchObject({ actor: { label: member.email }, subjectUserId: member.userId });
    expect(changed).toMatchObject({ subjectUserId: member.userId, details: { from: 'viewer', to: 'responder', email: member.email } });
    expect(revoked).toMatchObject({ target: { type: 'api_token', id: created.apiToken.id }, details: { name: 'deploy bot', role: 'responder' } });
    expect(removed).toMatchObject({ subjectUserId: member.userId, details: { role: 'responder' } });
    // No secret ever reaches the log: not the token, not the invitation link.
    const raw = await allAuditText();
    expect(raw).not.toContain(created.token.split('.')[2]);

    expect((await auditOf(owner, '?action=token.')).map((e) => e.action)).toEqual(['token.revoked', 'token.created']);
    const page = (await owner.call({ method: 'GET', url: '/api/audit?limit=3' })).json();
    expect(page.entries.map((e: Entry) => e.seq)).toEqual([7, 6, 5]);
    expect((await auditOf(owner, `?limit=3&before=${page.nextBefore}`)).map((e) => e.seq)).toEqual([4, 3, 2]);
  });

  it('names an API token as the actor when one acted', async () => {
    const owner = await signUp(app);
    const { token, apiToken } = (await owner.call({ method: 'POST', url: '/api/tokens', payload: { name: 'provisioner', role: 'admin' } })).json();
    const guest = `guest-${Date.now()}@example.com`;
    const res = await app.inject({ method: 'POST', url: '/api/invitations', headers: { authorization: `Bearer ${token}` }, payload: { email: guest, role: 'viewer' } });
    expect(res.statusCode, res.body).toBe(201);
    const [invited] = await auditOf(owner);
    expect(invited).toMatchObject({ action: 'invitation.created', actor: { tokenId: apiToken.id, userId: owner.userId, label: `API token “provisioner” (${owner.email})` } });
  });

  it('shows a user their own sign-ins and failed sign-ins, and nobody else’s', async () => {
    const user = await signUp(app);
    const other = await signUp(app);
    const wrong = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email, password: 'not the password at all' }, headers: { 'user-agent': 'audit-test' } });
    expect(wrong.statusCode).toBe(401);
    const right = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email, password: user.password }, headers: { 'user-agent': 'audit-test' } });
    expect(right.statusCode).toBe(200);
    const typedPassword = 'my secret passphrase typed into the email field';
    await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: `${typedPassword.replace(/ /g, '')}@x.y`, password: 'whatever it is' } });

    const events = (await user.call({ method: 'GET', url: '/api/auth/activity' })).json().events as Entry[];
    expect(events.map((e) => e.action)).toEqual(['user.signed_in', 'user.sign_in_failed', 'user.email_verified', 'user.signed_up']);
    expect(events[0]).toMatchObject({ subjectUserId: user.userId, details: { userAgent: 'audit-test' } });
    expect(events[1]).toMatchObject({ actor: { userId: null, label: user.email }, details: { reason: 'wrong_password' } });
    const others = (await other.call({ method: 'GET', url: '/api/auth/activity' })).json().events as Entry[];
    expect(others.map((e) => e.action)).toEqual(['user.email_verified', 'user.signed_up']);
    // A failed sign-in for an unknown address is kept without the address (people type passwords there).
    const [unknown] = await db.admin<[{ label: string; details: unknown }]>`
      select actor_label as label, details from audit_log where action = 'user.sign_in_failed' and subject_user_id is null order by id desc limit 1`;
    expect(unknown).toEqual({ label: 'unknown address', details: { reason: 'unknown_email' } });
    expect(await allAuditText()).not.toContain(typedPassword.replace(/ /g, ''));
  });

  it('records a password change, a reused refresh token and a sign-out for the user', async () => {
    const user = await signUp(app);
    const changed = await user.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: user.password, newPassword: 'another sturdy passphrase' } });
    expect(changed.statusCode, changed.body).toBe(204);
    const signIn = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email, password: 'another sturdy passphrase' } });
    const cookie = signIn.cookies.find((c) => c.name === 'ii_refresh')!;
    const cookieHeader = { cookie: `ii_refresh=${cookie.value}` };
    expect((await app.inject({ method: 'POST', url: '/api/auth/refresh', headers: cookieHeader })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/api/auth/refresh', headers: cookieHeader })).json().error.code).toBe('refresh_token_reused');
    await user.call({ method: 'POST', url: '/api/auth/signout' });
    const actions = (await db.admin<{ action: string }[]>`select action from audit_log where subject_user_id = ${user.userId} and account_id is null order by seq`).map((r) => r.action);
    expect(actions).toEqual(['user.signed_up', 'user.email_verified', 'user.password_changed', 'user.signed_in', 'session.refresh_reused', 'user.signed_out']);
  });

  it('keeps an account’s history after the account is deleted, ending with who deleted it', async () => {
    const owner = await signUp(app, { accountName: 'Short-lived' });
    const deleted = await owner.call({ method: 'DELETE', url: '/api/account', payload: { confirmName: 'Short-lived' } });
    expect(deleted.statusCode, deleted.body).toBe(200);
    const rows = await db.admin<{ action: string; label: string }[]>`
      select action, actor_label as label from audit_log where account_id = ${owner.accountId} order by seq`;
    expect(rows).toEqual([
      { action: 'account.created', label: owner.email },
      { action: 'account.deleted', label: owner.email },
    ]);
  });
});

describe('who may read it', () => {
  it('lets owners and admins read and verify the log, and refuses responders and viewers', async () => {
    for (const role of ['admin', 'responder', 'viewer'] as const) {
      const { member } = await joinedTeam(app, db, role);
      const res = await member.call({ method: 'GET', url: '/api/audit' });
      expect(res.statusCode, role).toBe(role === 'admin' ? 200 : 403);
      expect((await member.call({ method: 'GET', url: '/api/audit/verify' })).statusCode, role).toBe(role === 'admin' ? 200 : 403);
    }
  });

  it('shows each account only its own chain', async () => {
    const a = await signUp(app);
    const b = await signUp(app);
    await b.call({ method: 'POST', url: '/api/tokens', payload: { name: 'b only', role: 'viewer' } });
    const seen = await auditOf(a);
    expect(seen.map((e) => e.action)).toEqual(['account.created']);
    // Without the account context, the application role reads nothing at all.
    const rows = await db.sql.begin(async (tx) => {
      await tx`select set_config('role', 'insights_app', true)`;
      return tx`select * from audit_log`;
    });
    expect(rows).toHaveLength(0);
  });
});

describe('tamper evidence', () => {
  const refusal = /append-only|permission denied/;

  it('refuses to update, delete or truncate entries, for the application and for the tables’ owner', async () => {
    const owner = await signUp(app);
    await expect(withAccount(db.sql, owner.accountId, (tx) => tx`update audit_log set actor_label = 'someone else' where account_id = ${owner.accountId}`)).rejects.toThrow(refusal);
    await expect(withAccount(db.sql, owner.accountId, (tx) => tx`delete from audit_log where account_id = ${owner.accountId}`)).rejects.toThrow(refusal);
    await expect(db.sql`update audit_log set actor_label = 'someone else'`).rejects.toThrow(refusal);
    await expect(db.sql`delete from audit_log`).rejects.toThrow(refusal);
    await expect(db.sql`truncate audit_log`).rejects.toThrow(refusal);
    await expect(withAccount(db.sql, owner.accountId, (tx) => tx`update audit_chain_heads set seq = 0`)).rejects.toThrow(/permission denied/);
    // Nor can a writer choose its own place in the chain or its time.
    await withAccount(db.sql, owner.accountId, (tx) => tx`
      insert into audit_log (account_id, actor_label, action, seq, occurred_at, prev_hash, hash, chain)
      values (${owner.accountId}, 'forger', 'account.renamed', 999, '2001-01-01', '\\x00', '\\x00', 'platform')`);
    const [forged] = await db.admin<[{ seq: number; chain: string; year: number }]>`
      select seq::int, chain, extract(year from occurred_at)::int as year from audit_log where actor_label = 'forger'`;
    expect(forged).toEqual({ seq: 2, chain: owner.accountId, year: new Date().getUTCFullYear() });
    expect((await owner.call({ method: 'GET', url: '/api/audit/verify' })).json()).toMatchObject({ valid: true, entries: 2 });
  });

  it('shows an entry edited by a superuser, and where', async () => {
    const { owner } = await joinedTeam(app, db, 'responder');
    const before = (await owner.call({ method: 'GET', url: '/api/audit/verify' })).json();
    expect(before).toMatchObject({ valid: true, entries: 3, headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await asSuperuserWithoutGuards(`update audit_log set details = jsonb_set(details, '{role}', '"owner"') where account_id = '${owner.accountId}' and seq = 2`);
    expect((await owner.call({ method: 'GET', url: '/api/audit/verify' })).json()).toMatchObject({ valid: false, firstBroken: { seq: 2, reason: 'content_changed' } });
  });

  it('shows an entry removed from the middle or from the end', async () => {
    const middle = (await joinedTeam(app, db, 'viewer')).owner;
    await asSuperuserWithoutGuards(`delete from audit_log where account_id = '${middle.accountId}' and seq = 2`);
    expect((await middle.call({ method: 'GET', url: '/api/audit/verify' })).json()).toMatchObject({ valid: false, firstBroken: { seq: 3, reason: 'gap' } });

    const tail = (await joinedTeam(app, db, 'viewer')).owner;
    await asSuperuserWithoutGuards(`delete from audit_log where account_id = '${tail.accountId}' and seq = 3`);
    expect((await tail.call({ method: 'GET', url: '/api/audit/verify' })).json()).toMatchObject({ valid: false, firstBroken: { seq: 3, reason: 'head_mismatch' } });
  });

  it('exports the chain as CSV and JSON with every hash link, the verification, formula cells neutralised, and records the export', async () => {
    const { owner } = await joinedTeam(app, db, 'responder');
    await owner.call({ method: 'PATCH', url: '/api/account', payload: { name: '=HYPERLINK("http://evil.example","x")' } });
    const csv = await owner.call({ method: 'GET', url: '/api/audit/export?format=csv' });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="audit-log-\d{4}-\d{2}-\d{2}\.csv"/);
    expect(csv.headers['x-audit-chain-valid']).toBe('true');
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('seq,occurredAt,action,actorLabel,actorUserId,actorTokenId,subjectUserId,targetType,targetId,ip,requestId,details,prevHash,hash');
    // Oldest first; the last row is the export itself, recorded before the download began.
    expect(lines[1]).toMatch(/^1,.*,account\.created,/);
    expect(lines.at(-1)).toMatch(/^\d+,.*,audit\.exported,/);
    // Details are one JSON cell: a formula someone typed into a name never starts a cell.
    expect(csv.body).not.toMatch(/,"?=HYPERLINK/);
    expect(lines.find((l) => l.includes('account.renamed'))).toContain('"{""to"":""=HYPERLINK');

    const json = await owner.call({ method: 'GET', url: '/api/audit/export?format=json' });
    expect(json.statusCode, json.body).toBe(200);
    const doc = json.json();
    expect(doc.verification).toMatchObject({ valid: true });
    expect(doc.entries.map((e: { seq: number }) => e.seq)).toEqual(doc.entries.map((_: unknown, i: number) => i + 1));
    // Every entry points at its predecessor's hash: an auditor can check the links offline.
    for (const [i, e] of doc.entries.entries()) expect(e.prevHash).toBe(i === 0 ? '0'.repeat(64) : doc.entries[i - 1].hash);
    expect(doc.entries.filter((e: { action: string }) => e.action === 'audit.exported')).toHaveLength(2);

    const only = (await owner.call({ method: 'GET', url: '/api/audit/export?format=json&action=account.' })).json();
    expect(new Set(only.entries.map((e: { action: string }) => e.action))).toEqual(new Set(['account.created', 'account.renamed']));
    expect(only.filter).toEqual({ action: 'account.' });

    // Bad input names the field and records nothing.
    const count = async () => (await owner.call({ method: 'GET', url: '/api/audit/verify' })).json().entries;
    const before = await count();
    const bad = await owner.call({ method: 'GET', url: '/api/audit/export?format=xml' });
    expect(bad.statusCode).toBe(400);
    expect(JSON.stringify(bad.json().error.details)).toContain('format');
    const empty = await owner.call({ method: 'GET', url: '/api/audit/export?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z' });
    expect(empty.statusCode).toBe(400);
    expect(empty.json().error.details[0].field).toBe('from');
    expect(await count()).toBe(before);
  });

  it('exports a tampered chain with the verification saying where it breaks', async () => {
    const { owner, member } = await joinedTeam(app, db, 'viewer');
    expect((await member.call({ method: 'GET', url: '/api/audit/export' })).statusCode).toBe(403);
    await asSuperuserWithoutGuards(`update audit_log set actor_label = 'nobody' where account_id = '${owner.accountId}' and seq = 2`);
    const csv = await owner.call({ method: 'GET', url: '/api/audit/export' });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['x-audit-chain-valid']).toBe('false');
    expect(csv.headers['x-audit-chain-first-broken']).toBe('2 content_changed');
  });

  it('numbers parallel appends one after another, with no gaps or forks', async () => {
    const owner = await signUp(app);
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withAccount(db.sql, owner.accountId, (tx) => appendAudit(tx, owner.accountId, { action: 'token.created', actor: { userId: owner.userId, label: owner.email }, details: { i } })),
      ),
    );
    const result = await withAccount(db.sql, owner.accountId, (tx) => verifyAccountChain(tx, owner.accountId));
    expect(result).toMatchObject({ valid: true, entries: 21 });
  });
});

/** Every entry of every chain as text, to look for what must never be there. */
async function allAuditText(): Promise<string> {
  const [{ text }] = await db.admin<[{ text: string }]>`select coalesce(string_agg(row_to_json(a)::text, E'\n'), '') as text from audit_log a`;
  return text;
}

/** What only someone with full database rights can do: switch the guards off, change history, switch them back. */
async function asSuperuserWithoutGuards(statement: string): Promise<void> {
  await db.admin.begin(async (tx) => {
    await tx`alter table audit_log disable trigger user`;
    await tx.unsafe(statement);
    await tx`alter table audit_log enable trigger user`;
  });
}
