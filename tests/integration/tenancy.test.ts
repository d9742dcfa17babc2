// Tenant isolation in depth: row-level security on every tenant table, enforced even for a query that forgets its
// account filter, and the API answering 404 for another account's ids.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertJob } from '../../db/jobs.ts';
import { createSql } from '../../db/sql.ts';
import { TENANT_ROLE, withAccount, withUser } from '../../db/tenancy.ts';
import { connectTemporal, type TemporalClient } from '../../temporal/client.ts';
import { buildTestApp, signUp, type SignedIn } from '../../devkit/app.ts';
import { createTestDatabase, testConfig, type TestDatabase } from '../helpers.ts';

let db: TestDatabase;
let temporal: TemporalClient;
let app: FastifyInstance;
let mine: SignedIn;
let theirs: SignedIn;
const otherJob = crypto.randomUUID();

beforeAll(async () => {
  db = await createTestDatabase();
  const config = testConfig(db.url);
  temporal = await connectTemporal({ address: config.temporal.address!, namespace: config.temporal.namespace });
  app = await buildTestApp(config, db.sql, temporal);
  mine = await signUp(app, { accountName: 'Mine' });
  theirs = await signUp(app, { accountName: 'Theirs' });
  for (const [account, id] of [[mine.accountId, crypto.randomUUID()], [theirs.accountId, otherJob], [theirs.accountId, crypto.randomUUID()]] as const) {
    await withAccount(db.sql, account, (tx) => insertJob(tx, { id, accountId: account, kind: 'echo', workflowId: `echo/${account}/${id}`, input: {} }));
  }
  await withAccount(db.sql, theirs.accountId, (tx) => tx`insert into echo_messages (job_id, account_id, message, written_by, attempt) values (${otherJob}, ${theirs.accountId}, 'secret of theirs', 'test', 1)`);
});

afterAll(async () => {
  await app?.close();
  await temporal?.close();
  await db?.drop();
});

describe('row-level security', () => {
  it('shows a tenant transaction only its own rows, even without a where clause', async () => {
    const count = (account: string) => withAccount(db.sql, account, async (tx) => (await tx<[{ n: number }]>`select count(*)::int as n from jobs`)[0].n);
    expect(await count(mine.accountId)).toBe(1);
    expect(await count(theirs.accountId)).toBe(2);
    expect(await count('nobody')).toBe(0);
    const messages = await withAccount(db.sql, mine.accountId, (tx) => tx`select * from echo_messages`);
    expect(messages).toHaveLength(0);
  });

  it('returns no rows to the owning application user without the account context (the policies are forced)', async () => {
    const [{ superuser }] = await db.sql<[{ superuser: boolean }]>`select rolsuper as superuser from pg_roles where rolname = current_user`;
    expect(superuser).toBe(false);
    expect(await db.sql`select * from jobs`).toEqual([]);
    expect(await db.sql`select * from echo_messages`).toEqual([]);
    expect(await db.sql`select * from memberships`).toEqual([]);
    const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from jobs`;
    expect(n).toBe(3);
  });

  it('returns no rows to a query run without the account context', async () => {
    const rows = await db.sql.begin(async (tx) => {
      await tx`select set_config('role', ${TENANT_ROLE}, true)`;
      return [await tx`select * from jobs`, await tx`select * from echo_messages`];
    });
    expect(rows).toEqual([[], []]);
  });

  it('refuses to write a row for another account from inside a tenant transaction', async () => {
    await expect(
      withAccount(db.sql, mine.accountId, (tx) => insertJob(tx, { id: crypto.randomUUID(), accountId: theirs.accountId, kind: 'echo', workflowId: 'echo/other/x', input: {} })),
    ).rejects.toThrow(/row-level security/);
    const changed = await withAccount(db.sql, mine.accountId, (tx) => tx`update jobs set status = 'failed' where id = ${otherJob}`);
    expect(changed.count).toBe(0);
    const deleted = await withAccount(db.sql, mine.accountId, (tx) => tx`delete from echo_messages where job_id = ${otherJob}`);
    expect(deleted.count).toBe(0);
    const [{ status }] = await db.admin<[{ status: string }]>`select status from jobs where id = ${otherJob}`;
    expect(status).toBe('queued');
  });

  it('lets neither a user transaction nor another account’s transaction delete an account or its memberships', async () => {
    const deletedAccounts = await withAccount(db.sql, mine.accountId, (tx) => tx`delete from accounts where id = ${theirs.accountId}`, mine.userId);
    expect(deletedAccounts.count).toBe(0);
    const fromUser = await withUser(db.sql, theirs.userId, (tx) => tx`delete from memberships where user_id = ${theirs.userId}`);
    expect(fromUser.count).toBe(0);
    const hashes = withAccount(db.sql, mine.accountId, (tx) => tx`select password_hash from users`, mine.userId);
    await expect(hashes).rejects.toThrow(/permission denied/);
    const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from memberships where account_id = ${theirs.accountId}`;
    expect(n).toBe(1);
  });

  it('leaves nothing behind on a pooled connection after a tenant transaction', async () => {
    const single = createSql(db.url, { max: 1 });
    try {
      await withAccount(single, mine.accountId, (tx) => tx`select 1`);
      const [after] = await single<[{ account: string | null; role: string }]>`
        select current_setting('app.account_id', true) as account, current_user as role`;
      expect(after.account ?? '').toBe('');
      expect(after.role).not.toBe(TENANT_ROLE);
    } finally {
      await single.end();
    }
  });

  it('covers every table with an account_id column (enabled and forced), so a new table cannot forget it', async () => {
    const tables = await db.admin<{ table: string; enabled: boolean; forced: boolean; policies: number }[]>`
      select c.relname as table, c.relrowsecurity as enabled, c.relforcerowsecurity as forced,
             (select count(*)::int from pg_policies p where p.tablename = c.relname) as policies
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'r'
        and exists (select 1 from information_schema.columns col
                    where col.table_schema = 'public' and col.table_name = c.relname and col.column_name = 'account_id')
      order by 1`;
    expect(tables.length).toBeGreaterThanOrEqual(2);
    for (const t of tables) expect(t, t.table).toMatchObject({ enabled: true, forced: true, policies: expect.any(Number) });
    for (const t of tables) expect(t.policies, t.table).toBeGreaterThan(0);
  });
});

describe('another account’s ids through the API', () => {
  it('answer 404 and change nothing', async () => {
    const show = await mine.call({ method: 'GET', url: `/api/jobs/${otherJob}` });
    expect(show.statusCode).toBe(404);
    expect(show.json().error.code).toBe('not_found');
    const cancel = await mine.call({ method: 'POST', url: `/api/jobs/${otherJob}/cancel` });
    expect(cancel.statusCode).toBe(404);
    const list = await mine.call({ method: 'GET', url: '/api/jobs' });
    expect(list.json().jobs.map((j: { id: string }) => j.id)).not.toContain(otherJob);
    const [{ status }] = await db.admin<[{ status: string }]>`select status from jobs where id = ${otherJob}`;
    expect(status).toBe('queued');
  });
});
