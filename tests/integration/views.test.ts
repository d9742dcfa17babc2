// Saved views: a member's own views stay theirs, shared ones are seen by the whole account and changed only by their
// creator or an admin, layouts are validated strictly, defaults are per user, and nothing crosses accounts.
import type { FastifyInstance } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { withAccount } from '../../db/tenancy.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { fullTeam, useApi, type TestDatabase } from '../helpers.ts';

const api = useApi();
let db: TestDatabase;
let app: FastifyInstance;

beforeAll(() => {
  ({ db, app } = api);
});

type View = { id: string; name: string; page: string; filters: Record<string, unknown>; layout: unknown[] | null; shared: boolean; isDefault: boolean; mine: boolean; createdBy: { id: string; email: string | null } };

const team = () => fullTeam(app, db);

const widgets = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `w${i}`, type: 'headline', size: 'small', options: {} }));

async function save(user: SignedIn, body: Record<string, unknown>): Promise<View> {
  const res = await user.call({ method: 'POST', url: '/api/views', payload: { page: 'dashboard', filters: {}, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

const list = async (user: SignedIn, page = 'dashboard'): Promise<View[]> => {
  const res = await user.call({ method: 'GET', url: `/api/views?page=${page}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().views;
};

describe('saving views', () => {
  it('saves a view with its filters and layout and gives it back to its creator, by page', async () => {
    const { owner } = await team();
    const layout = [
      { id: 'top', type: 'headline', size: 'full', options: {} },
      { id: 'trend', type: 'incidents-over-time', size: 'large', options: { groupBy: 'service', bucket: 'day', range: '7d' } },
      { id: 'who', type: 'breakdown', size: 'medium', options: { by: 'team', range: 'inherit' } },
    ];
    const filters = { severity: ['P1', 'P2'], service: 'checkout', from: '2024-05-01T00:00:00.000Z' };
    const view = await save(owner, { name: '  Checkout P1/P2  ', filters, layout });
    expect(view).toMatchObject({ name: 'Checkout P1/P2', page: 'dashboard', filters, layout, shared: false, isDefault: false, mine: true, createdBy: { id: owner.userId, email: owner.email } });
    await save(owner, { name: 'Open incidents', page: 'incidents', filters: { status: 'triggered' } });

    expect((await list(owner)).map((v) => v.name)).toEqual(['Checkout P1/P2']);
    expect((await list(owner, 'incidents')).map((v) => v.name)).toEqual(['Open incidents']);
    const all = (await owner.call({ method: 'GET', url: '/api/views' })).json().views as View[];
    expect(all.map((v) => v.name).sort()).toEqual(['Checkout P1/P2', 'Open incidents']);

    const changed = await owner.call({ method: 'PATCH', url: `/api/views/${view.id}`, payload: { layout: [layout[1]], filters: { team: ['sre'] } } });
    expect(changed.statusCode, changed.body).toBe(200);
    expect(changed.json()).toMatchObject({ name: 'Checkout P1/P2', filters: { team: ['sre'] }, layout: [layout[1]] });
    const cleared = await owner.call({ method: 'PATCH', url: `/api/views/${view.id}`, payload: { layout: null } });
    expect(cleared.json().layout).toBeNull();

    expect((await owner.call({ method: 'DELETE', url: `/api/views/${view.id}` })).statusCode).toBe(204);
    expect(await list(owner)).toEqual([]);
    expect((await owner.call({ method: 'DELETE', url: `/api/views/${view.id}` })).statusCode).toBe(404);
  });

  it('refuses a second view of the same name by the same creator on the same page (409 naming name)', async () => {
    const { owner, admin } = await team();
    const first = await save(owner, { name: 'Weekly' });
    const again = await owner.call({ method: 'POST', url: '/api/views', payload: { name: 'weekly', page: 'dashboard', filters: {} } });
    expect(again.statusCode).toBe(409);
    expect(again.json().error).toMatchObject({ code: 'conflict', details: [{ field: 'name', in: 'body' }] });
    // Another page, or another person, may use the name.
    await save(owner, { name: 'Weekly', page: 'incidents' });
    await save(admin, { name: 'Weekly' });
    const other = await save(owner, { name: 'Daily' });
    const rename = await owner.call({ method: 'PATCH', url: `/api/views/${other.id}`, payload: { name: 'WEEKLY' } });
    expect(rename.statusCode).toBe(409);
    expect(rename.json().error.details[0].field).toBe('name');
    expect((await owner.call({ method: 'PATCH', url: `/api/views/${first.id}`, payload: { name: 'Weekly' } })).statusCode).toBe(200);
  });
});

describe('layout and filter validation', () => {
  const attempt = async (user: SignedIn, body: Record<string, unknown>) => {
    const res = await user.call({ method: 'POST', url: '/api/views', payload: { name: 'x', page: 'dashboard', filters: {}, ...body } });
    expect(res.statusCode, res.body).toBe(400);
    return res.json().error as { code: string; details: { field?: string; in: string }[] };
  };

  it('names the offending widget field, and refuses more than 24 widgets, repeated ids and unknown options', async () => {
    const owner = await signUp(app);
    const bad = widgets(5);
    bad[3] = { ...bad[3]!, type: 'pie-chart' };
    expect((await attempt(owner, { layout: bad })).details.map((d) => d.field)).toContain('layout.3.type');
    const badSize = widgets(2);
    badSize[1] = { ...badSize[1]!, size: 'huge' };
    expect((await attempt(owner, { layout: badSize })).details.map((d) => d.field)).toContain('layout.1.size');
    expect((await attempt(owner, { layout: [{ id: 'a', type: 'heatmap', size: 'small', options: { colour: 'red' } }] })).details.map((d) => d.field)).toContain('layout.0.options.colour');
    expect((await attempt(owner, { layout: [{ id: 'a', type: 'heatmap', size: 'small', options: { range: '1y' } }] })).details.map((d) => d.field)).toContain('layout.0.options.range');
    expect((await attempt(owner, { layout: [{ id: 'a', type: 'heatmap', size: 'small' }] })).details.map((d) => d.field)).toContain('layout.0.options');
    expect((await attempt(owner, { layout: widgets(25) })).details.map((d) => d.field)).toContain('layout');

    const repeated = [...widgets(3), { id: 'w1', type: 'heatmap', size: 'full', options: {} }];
    expect(await attempt(owner, { layout: repeated })).toMatchObject({ code: 'invalid_body', details: [{ field: 'layout.3.id', in: 'body' }] });
    expect(await attempt(owner, { page: 'incidents', layout: widgets(1) })).toMatchObject({ details: [{ field: 'layout' }] });
    expect(await save(owner, { name: 'Full house', layout: widgets(24) })).toMatchObject({ layout: widgets(24) });
  });

  it('takes filters only as URL search params and names what is wrong', async () => {
    const owner = await signUp(app);
    expect((await attempt(owner, { filters: { severity: 1 } })).details.map((d) => d.field)).toContain('filters.severity');
    expect((await attempt(owner, { filters: { service: [{ a: 1 }] } })).details.map((d) => d.field)).toContain('filters.service.0');
    expect((await attempt(owner, { filters: { q: 'x'.repeat(1001) } })).details.map((d) => d.field)).toContain('filters.q');
    expect((await attempt(owner, { filters: { 'not a param': 'x' } })).details.map((d) => d.field)).toContain('filters.not a param');
    expect((await attempt(owner, { filters: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, Array(20).fill('y'.repeat(900))])) })).details.map((d) => d.field)).toContain('filters');
    expect((await attempt(owner, { name: '   ' })).details.map((d) => d.field)).toContain('name');
    expect((await attempt(owner, { page: 'settings' })).details.map((d) => d.field)).toContain('page');
    const view = await save(owner, { name: 'ok' });
    const patch = await owner.call({ method: 'PATCH', url: `/api/views/${view.id}`, payload: {} });
    expect(patch.statusCode).toBe(400);
  });
});

describe('who sees and changes a view', () => {
  it('keeps an unshared view invisible to everyone else, admins included (404, not 403)', async () => {
    const { owner, admin, viewer } = await team();
    const mine = await save(viewer, { name: 'Just mine' });
    for (const other of [owner, admin]) {
      expect((await list(other)).map((v) => v.id)).not.toContain(mine.id);
      for (const req of [
        { method: 'PATCH' as const, url: `/api/views/${mine.id}`, payload: { name: 'Taken over' } },
        { method: 'DELETE' as const, url: `/api/views/${mine.id}` },
        { method: 'PUT' as const, url: '/api/views/default', payload: { page: 'dashboard', viewId: mine.id } },
      ]) {
        const res = await other.call(req);
        expect(res.statusCode, `${req.method} ${res.body}`).toBe(404);
        expect(res.json().error.code).toBe('not_found');
      }
    }
    expect((await list(viewer)).map((v) => v.name)).toEqual(['Just mine']);
  });

  it('shows a shared view to every member; only its creator or an admin changes it, and sharing needs views:share', async () => {
    const { owner, admin, responder, viewer } = await team();
    const refused = await viewer.call({ method: 'POST', url: '/api/views', payload: { name: 'Try', page: 'dashboard', filters: {}, shared: true } });
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error).toMatchObject({ code: 'forbidden', details: [{ field: 'shared' }] });
    const own = await save(viewer, { name: 'Viewer view' });
    expect((await viewer.call({ method: 'PATCH', url: `/api/views/${own.id}`, payload: { shared: true } })).statusCode).toBe(403);

    const team1 = await save(responder, { name: 'Team board', shared: true, filters: { team: 'payments' } });
    for (const member of [owner, admin, viewer]) {
      const seen = (await list(member)).find((v) => v.id === team1.id);
      expect(seen, member.email).toMatchObject({ shared: true, mine: false, createdBy: { id: responder.userId, email: responder.email } });
    }
    const byViewer = await viewer.call({ method: 'PATCH', url: `/api/views/${team1.id}`, payload: { name: 'Mine now' } });
    expect(byViewer.statusCode).toBe(403);
    expect((await viewer.call({ method: 'DELETE', url: `/api/views/${team1.id}` })).statusCode).toBe(403);

    const byAdmin = await admin.call({ method: 'PATCH', url: `/api/views/${team1.id}`, payload: { name: 'Payments board' } });
    expect(byAdmin.statusCode, byAdmin.body).toBe(200);
    expect(byAdmin.json()).toMatchObject({ name: 'Payments board', mine: false, createdBy: { id: responder.userId } });
    const byCreator = await responder.call({ method: 'PATCH', url: `/api/views/${team1.id}`, payload: { filters: { team: ['payments', 'billing'] } } });
    expect(byCreator.statusCode).toBe(200);

    // Unshared, it is the creator's alone again, even for the admin.
    expect((await responder.call({ method: 'PATCH', url: `/api/views/${team1.id}`, payload: { shared: false } })).json().shared).toBe(false);
    expect((await list(viewer)).map((v) => v.id)).not.toContain(team1.id);
    expect((await admin.call({ method: 'PATCH', url: `/api/views/${team1.id}`, payload: { name: 'x' } })).statusCode).toBe(404);
    expect((await responder.call({ method: 'PATCH', url: `/api/views/${team1.id}`, payload: { shared: true } })).statusCode).toBe(200);
    expect((await owner.call({ method: 'DELETE', url: `/api/views/${team1.id}` })).statusCode).toBe(204);
    expect((await list(responder)).map((v) => v.id)).not.toContain(team1.id);

    const entries = (await owner.call({ method: 'GET', url: '/api/audit?action=view.' })).json().entries as { action: string; actor: { userId: string }; target: { id: string }; details: Record<string, unknown>; subjectUserId: string }[];
    expect(entries.map((e) => e.action)).toEqual(['view.deleted', 'view.shared', 'view.unshared', 'view.shared']);
    expect(entries[3]).toMatchObject({ actor: { userId: responder.userId }, subjectUserId: responder.userId, target: { id: team1.id }, details: { name: 'Team board', page: 'dashboard' } });
    expect(entries[0]).toMatchObject({ actor: { userId: owner.userId }, subjectUserId: responder.userId, details: { name: 'Payments board' } });
  });
});

describe('default views', () => {
  it('keeps one default per user and page, may point at a shared view, and clears it when the view goes', async () => {
    const { owner, responder, viewer } = await team();
    const shared = await save(responder, { name: 'On call', shared: true });
    const mine = await save(viewer, { name: 'Mine' });
    const incidentsView = await save(viewer, { name: 'List', page: 'incidents' });

    const set = await viewer.call({ method: 'PUT', url: '/api/views/default', payload: { page: 'dashboard', viewId: shared.id } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json()).toEqual({ page: 'dashboard', viewId: shared.id });
    expect((await list(viewer)).filter((v) => v.isDefault).map((v) => v.id)).toEqual([shared.id]);
    // Defaults are per user: the creator's and the owner's own choice are untouched.
    expect((await list(responder)).some((v) => v.isDefault)).toBe(false);
    expect((await owner.call({ method: 'PUT', url: '/api/views/default', payload: { page: 'dashboard', viewId: shared.id } })).statusCode).toBe(200);

    await viewer.call({ method: 'PUT', url: '/api/views/default', payload: { page: 'dashboard', viewId: mine.id } });
    expect((await list(viewer)).filter((v) => v.isDefault).map((v) => v.id)).toEqual([mine.id]);
    await viewer.call({ method: 'PUT', url: '/api/views/default', payload: { page: 'incidents', viewId: incidentsView.id } });
    expect((await list(viewer, 'incidents'))[0]!.isDefault).toBe(true);
    expect((await list(viewer)).find((v) => v.id === mine.id)!.isDefault).toBe(true);

    const wrongPage = await viewer.call({ method: 'PUT', url: '/api/views/default', payload: { page: 'dashboard', viewId: incidentsView.id } });
    expect(wrongPage.statusCode).toBe(400);
    expect(wrongPage.json().error.details[0].field).toBe('viewId');

    const cleared = await viewer.call({ method: 'PUT', url: '/api/views/default', payload: { page: 'dashboard', viewId: null } });
    expect(cleared.json()).toEqual({ page: 'dashboard', viewId: null });
    expect((await list(viewer)).some((v) => v.isDefault)).toBe(false);

    // Unsharing takes the view away from the owner's default; deleting it clears every default naming it.
    await viewer.call({ method: 'PUT', url: '/api/views/default', payload: { page: 'dashboard', viewId: shared.id } });
    await responder.call({ method: 'PUT', url: '/api/views/default', payload: { page: 'dashboard', viewId: shared.id } });
    await responder.call({ method: 'PATCH', url: `/api/views/${shared.id}`, payload: { shared: false } });
    const defaults = async () =>
      (await db.admin<{ userId: string }[]>`select user_id as "userId" from dashboard_view_defaults where view_id = ${shared.id} order by user_id`).map((r) => r.userId);
    expect(await defaults()).toEqual([responder.userId]);
    expect((await list(responder)).find((v) => v.id === shared.id)!.isDefault).toBe(true);
    await responder.call({ method: 'DELETE', url: `/api/views/${shared.id}` });
    expect(await defaults()).toEqual([]);
    expect((await db.admin`select 1 from dashboard_view_defaults where view_id = ${mine.id} or view_id = ${incidentsView.id}`).length).toBe(1);
  });
});

describe('isolation between accounts', () => {
  it('answers 404 for another account’s view ids and never lists its views', async () => {
    const a = await signUp(app, { accountName: 'A' });
    const b = await signUp(app, { accountName: 'B' });
    const theirs = await save(a, { name: 'A shared', shared: true, filters: { service: 'secret-service' } });
    await save(a, { name: 'A private', page: 'incidents' });

    for (const req of [
      { method: 'PATCH' as const, url: `/api/views/${theirs.id}`, payload: { name: 'Stolen' } },
      { method: 'DELETE' as const, url: `/api/views/${theirs.id}` },
      { method: 'PUT' as const, url: '/api/views/default', payload: { page: 'dashboard', viewId: theirs.id } },
    ]) {
      const res = await b.call(req);
      expect(res.statusCode, req.method).toBe(404);
    }
    const bViews = (await b.call({ method: 'GET', url: '/api/views' })).json().views as View[];
    expect(bViews).toEqual([]);
    expect(JSON.stringify(bViews)).not.toContain('secret-service');
    expect((await list(a)).map((v) => v.name)).toEqual(['A shared']);

    // Row-level security as the second fence: account B's transaction sees none of A's rows, and cannot point a default at them.
    const seen = await withAccount(db.sql, b.accountId, (tx) => tx`select id from dashboard_views`);
    expect(seen).toHaveLength(0);
    await expect(
      withAccount(db.sql, b.accountId, (tx) => tx`insert into dashboard_view_defaults (account_id, user_id, page, view_id) values (${b.accountId}, ${b.userId}, 'dashboard', ${theirs.id})`),
    ).rejects.toThrow(/foreign key/);
    await expect(
      withAccount(db.sql, b.accountId, (tx) => tx`insert into dashboard_views (id, account_id, created_by, name, page) values (${crypto.randomUUID()}, ${a.accountId}, ${b.userId}, 'planted', 'dashboard')`),
    ).rejects.toThrow(/row-level security/);
  });
});
