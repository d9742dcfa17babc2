// In-product feedback: every member, viewers included, can rate a page; only owners and admins read what was sent,
// newest first and page by page; bad input is named; nothing crosses accounts.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { withAccount } from '../../db/tenancy.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { joinedTeam, useApi, type TestDatabase } from '../helpers.ts';

const api = useApi();
let db: TestDatabase;
let app: FastifyInstance;

beforeAll(() => {
  ({ db, app } = api);
});

type Entry = { id: string; rating: number; text: string | null; page: string; context: Record<string, unknown> | null; user: { id: string; email: string | null }; createdAt: string };

async function send(user: SignedIn, body: Record<string, unknown>): Promise<string> {
  const res = await user.call({ method: 'POST', url: '/api/feedback', payload: body });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().id;
}

async function read(user: SignedIn, query = ''): Promise<{ feedback: Entry[]; nextBefore: string | null }> {
  const res = await user.call({ method: 'GET', url: `/api/feedback${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe('sending and reading feedback', () => {
  it('takes feedback from a viewer with its page and context, and shows it to the owner with who sent it', async () => {
    const { owner, member: viewer } = await joinedTeam(app, db, 'viewer');
    const context = { filters: { severity: ['P1'] }, viewport: { width: 390, height: 844 }, theme: 'dark' };
    const id = await send(viewer, { rating: 4, text: '  The heatmap is great, the legend is hard to read.  ', page: '/dashboard', context });
    const bare = await send(viewer, { rating: 1, page: '/incidents' });

    const { feedback, nextBefore } = await read(owner);
    expect(nextBefore).toBeNull();
    expect(feedback.map((f) => f.id)).toEqual([bare, id]);
    expect(feedback[1]).toMatchObject({ rating: 4, text: 'The heatmap is great, the legend is hard to read.', page: '/dashboard', context, user: { id: viewer.userId, email: viewer.email } });
    expect(feedback[0]).toMatchObject({ rating: 1, text: null, page: '/incidents', context: null });
    expect(Date.parse(feedback[0]!.createdAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('lets owners and admins read feedback and refuses responders and viewers (403)', async () => {
    const { owner, member: admin } = await joinedTeam(app, db, 'admin');
    await send(owner, { rating: 5, page: '/' });
    expect((await read(admin)).feedback).toHaveLength(1);
    for (const role of ['responder', 'viewer'] as const) {
      const { member } = await joinedTeam(app, db, role);
      await send(member, { rating: 3, page: '/clusters' });
      const res = await member.call({ method: 'GET', url: '/api/feedback' });
      expect(res.statusCode, role).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
  });

  it('pages through feedback newest first with nextBefore', async () => {
    const owner = await signUp(app);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i += 1) ids.push(await send(owner, { rating: i, page: `/page-${i}` }));
    const first = await read(owner, '?limit=2');
    expect(first.feedback.map((f) => f.rating)).toEqual([5, 4]);
    const second = await read(owner, `?limit=2&before=${first.nextBefore}`);
    expect(second.feedback.map((f) => f.rating)).toEqual([3, 2]);
    const third = await read(owner, `?limit=2&before=${second.nextBefore}`);
    expect(third.feedback.map((f) => f.rating)).toEqual([1]);
    expect(third.nextBefore).toBeNull();
    expect([...first.feedback, ...second.feedback, ...third.feedback].map((f) => f.id).reverse()).toEqual(ids);
  });
});

describe('validation', () => {
  it('names the field of a bad rating, text, page or context', async () => {
    const owner = await signUp(app);
    const fieldOf = async (body: Record<string, unknown>) => {
      const res = await owner.call({ method: 'POST', url: '/api/feedback', payload: body });
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      return (res.json().error.details as { field?: string }[]).map((d) => d.field);
    };
    expect(await fieldOf({ rating: 0, page: '/' })).toContain('rating');
    expect(await fieldOf({ rating: 6, page: '/' })).toContain('rating');
    expect(await fieldOf({ rating: 3.5, page: '/' })).toContain('rating');
    expect(await fieldOf({ rating: '5', page: '/' })).toContain('rating');
    expect(await fieldOf({ rating: 5 })).toContain('page');
    expect(await fieldOf({ rating: 5, page: 'https://elsewhere.example/' })).toContain('page');
    expect(await fieldOf({ rating: 5, page: '/', text: 'x'.repeat(4001) })).toContain('text');
    expect(await fieldOf({ rating: 5, page: '/', context: ['a'] })).toContain('context');
    expect(await fieldOf({ rating: 5, page: '/', context: { blob: 'x'.repeat(8 * 1024) } })).toEqual(['context']);
    expect(await fieldOf({ rating: 5, page: '/', mood: 'happy' })).toContain('mood');
    // At the limits it is taken.
    await send(owner, { rating: 5, page: '/', text: 'x'.repeat(4000), context: { blob: 'x'.repeat(8 * 1024 - 20) } });
    expect((await read(owner)).feedback).toHaveLength(1);
  });
});

describe('isolation between accounts', () => {
  it('never shows one account’s feedback to another', async () => {
    const a = await signUp(app, { accountName: 'A' });
    const b = await signUp(app, { accountName: 'B' });
    const id = await send(a, { rating: 2, text: 'private words of A', page: '/dashboard' });
    expect((await read(b)).feedback).toEqual([]);
    expect((await read(b, `?before=${id}`)).feedback).toEqual([]);
    expect((await read(a)).feedback.map((f) => f.id)).toEqual([id]);
    const rows = await withAccount(db.sql, b.accountId, (tx) => tx`select id from feedback`);
    expect(rows).toHaveLength(0);
    await expect(
      withAccount(db.sql, b.accountId, (tx) => tx`insert into feedback (id, account_id, user_id, rating, page) values (${crypto.randomUUID()}, ${a.accountId}, ${b.userId}, 1, '/')`),
    ).rejects.toThrow(/row-level security/);
  });
});
