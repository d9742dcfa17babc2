// The unification's queue: intake queues each new raw event once, a batch takes events off the queue in the
// transaction that merges them (a failed batch leaves them queued), and a raw event is never rewritten.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unifyInTransaction } from '../../activities/unify.ts';
import { countQueuedRawEvents, insertRawEvents, type NewRawEvent } from '../../db/raw-events.ts';
import { withAccount } from '../../db/tenancy.ts';
import { createTestDatabase, type TestDatabase } from '../helpers.ts';

let db: TestDatabase;
const accountA = 'queue-a';
const accountB = 'queue-b';
const integrationA = randomUUID();
const integrationB = randomUUID();

beforeAll(async () => {
  db = await createTestDatabase();
  await db.admin`insert into accounts (id, name) values (${accountA}, 'A'), (${accountB}, 'B')`;
  await db.admin`insert into integrations (id, account_id, kind, name) values (${integrationA}, ${accountA}, 'webhook', 'A'), (${integrationB}, ${accountB}, 'webhook', 'B')`;
});

afterAll(async () => {
  await db?.drop();
});

const event = (externalId: string, eventKey: string, status: 'triggered' | 'resolved', at: string): NewRawEvent => ({
  eventKey,
  externalId,
  payload: { id: eventKey },
  record: {
    kind: 'incident',
    source: 'webhook',
    externalId,
    title: `Disk full on ${externalId}`,
    severity: 'P3',
    status,
    createdAt: '2026-11-20T10:00:00.000Z',
    ...(status === 'resolved' ? { resolvedAt: at } : {}),
    observedAt: at,
    assignees: [],
    tags: [],
    labels: {},
    timeline: [{ type: status, at }],
  },
});

const store = (accountId: string, integrationId: string, events: NewRawEvent[]) =>
  withAccount(db.sql, accountId, (tx) => insertRawEvents(tx, accountId, integrationId, 'webhook', events));
const queued = (accountId: string) => withAccount(db.sql, accountId, (tx) => countQueuedRawEvents(tx, accountId));
const unify = (accountId: string, limit = 100) => withAccount(db.sql, accountId, (tx) => unifyInTransaction(tx, accountId, limit));

describe('the unification queue', () => {
  it('queues each new raw event once: a redelivery is neither stored nor queued again', async () => {
    expect(await store(accountA, integrationA, [event('h-1', 'd-1', 'triggered', '2026-11-20T10:00:00.000Z')])).toBe(1);
    expect(await store(accountA, integrationA, [event('h-1', 'd-1', 'triggered', '2026-11-20T10:00:00.000Z')])).toBe(0);
    expect(await queued(accountA)).toBe(1);
    // Another account's queue is its own (and invisible from here).
    await store(accountB, integrationB, [event('h-9', 'd-9', 'triggered', '2026-11-20T10:00:00.000Z')]);
    expect(await queued(accountA)).toBe(1);
    expect(await queued(accountB)).toBe(1);
  });

  it('leaves the events queued when the batch that took them fails', async () => {
    await expect(
      withAccount(db.sql, accountA, async (tx) => {
        const result = await unifyInTransaction(tx, accountA, 100);
        expect(result.processed).toBe(1);
        throw new Error('the worker died before commit');
      }),
    ).rejects.toThrow('the worker died');
    expect(await queued(accountA)).toBe(1);
    const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from incidents where account_id = ${accountA}`;
    expect(n).toBe(0);
  });

  it('takes events in arrival order, in batches, merging an incident’s versions; the raw events stay as stored', async () => {
    await store(accountA, integrationA, [
      event('h-2', 'd-2', 'triggered', '2026-11-20T11:00:00.000Z'),
      event('h-2', 'd-3', 'resolved', '2026-11-20T11:30:00.000Z'),
      event('h-1', 'd-4', 'resolved', '2026-11-20T12:00:00.000Z'),
    ]);
    const before = await db.admin`select id, record, payload, received_at from raw_events where account_id = ${accountA} order by id`;
    const first = await unify(accountA, 2);
    expect(first.processed).toBe(2);
    expect(await queued(accountA)).toBe(2);
    const second = await unify(accountA, 2);
    expect(second.processed).toBe(2);
    expect(await queued(accountA)).toBe(0);
    expect((await unify(accountA, 2)).processed).toBe(0);

    const incidents = await db.admin<{ external_id: string; status: string }[]>`
      select external_id, status from incidents where account_id = ${accountA} order by external_id`;
    expect(incidents).toEqual([
      { external_id: 'h-1', status: 'resolved' },
      { external_id: 'h-2', status: 'resolved' },
    ]);
    expect(await db.admin`select id, record, payload, received_at from raw_events where account_id = ${accountA} order by id`).toEqual(before);
    // Account B's event was not touched by A's batches.
    expect(await queued(accountB)).toBe(1);
  });

  it('takes and drops queue rows whose raw event was deleted, counting them as processed', async () => {
    await store(accountA, integrationA, [event('h-3', 'd-5', 'triggered', '2026-11-20T13:00:00.000Z')]);
    await db.admin`delete from raw_events where account_id = ${accountA} and event_key = 'd-5'`;
    expect(await queued(accountA)).toBe(1);
    const result = await unify(accountA, 10);
    expect(result).toMatchObject({ processed: 1, incidents: 0 });
    expect(await queued(accountA)).toBe(0);
  });

  it('is under row-level security: one account cannot take or see another’s queue', async () => {
    const seen = await withAccount(db.sql, accountA, (tx) => tx`select account_id from unify_queue`);
    expect(seen).toEqual([]);
    await expect(
      withAccount(db.sql, accountA, (tx) => tx`insert into unify_queue (account_id, raw_event_id) values (${accountB}, 1)`),
    ).rejects.toThrow(/row-level security/);
    expect(await queued(accountB)).toBe(1);
  });
});
