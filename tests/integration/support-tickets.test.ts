// Support tickets: numbered per account without gaps or duplicates even when opened at once, seen by their reporter
// and by owners and admins, moved along by admins with a history and audit entries, emailed to SUPPORT_EMAIL through
// the outbox when it is set, validated and capped, and fenced by account.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestEmails } from '../../db/outbox.ts';
import { withAccount } from '../../db/tenancy.ts';
import { buildTestApp, emailedToken, signUp, type SignedIn } from '../../devkit/app.ts';
import { joinedTeam, testConfig, useApi, type TestDatabase } from '../helpers.ts';

const SUPPORT_EMAIL = 'support-desk@example.com';
const api = useApi({ SUPPORT_EMAIL });
let db: TestDatabase;
let app: FastifyInstance;
/** The same API without SUPPORT_EMAIL. */
let quietApp: FastifyInstance;

beforeAll(async () => {
  ({ db, app } = api);
  quietApp = await buildTestApp(testConfig(db.url), db.sql, api.temporal);
});

afterAll(async () => {
  await quietApp?.close();
});

type Ticket = {
  id: string;
  number: number;
  subject: string;
  description: string;
  status: string;
  diagnostics: Record<string, unknown>;
  createdBy: { id: string; email: string | null };
  history: { status: string; comment?: string; by: { id: string; email: string | null } | null; at: string }[];
};

const diagnostics = {
  version: '1.4.2',
  userAgent: 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0',
  url: 'http://127.0.0.1:3000/dashboard?severity=P1',
  viewport: { width: 1440, height: 900 },
  recentErrors: [{ message: 'TypeError: cannot read properties of undefined', at: '2024-05-01T10:00:00.000Z', url: '/dashboard' }],
};

async function open(user: SignedIn, body: Record<string, unknown> = {}): Promise<Ticket> {
  const res = await user.call({ method: 'POST', url: '/api/support-tickets', payload: { subject: 'The dashboard is blank', description: 'Since this morning.', diagnostics, ...body } });
  expect(res.statusCode, res.body).toBe(201);
  return res.json();
}

/** A new user who joins the owner's account with the role, by invitation. */
async function addMember(owner: SignedIn, role: 'admin' | 'responder' | 'viewer'): Promise<SignedIn> {
  const member = await signUp(app);
  const invited = await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: member.email, role } });
  expect(invited.statusCode, invited.body).toBe(201);
  const accepted = await member.call({ method: 'POST', url: '/api/invitations/accept', payload: { token: await emailedToken(db.admin, member.email, '/invitations/accept') } });
  expect(accepted.statusCode, accepted.body).toBe(200);
  return { ...member, accountId: owner.accountId };
}

const ticketsOf = async (user: SignedIn): Promise<Ticket[]> => {
  const res = await user.call({ method: 'GET', url: '/api/support-tickets' });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().tickets;
};

describe('opening tickets', () => {
  it('opens a ticket numbered 1 with its diagnostics as given and an opening entry in its history', async () => {
    const { owner, member: viewer } = await joinedTeam(app, db, 'viewer');
    const ticket = await open(viewer);
    expect(ticket).toMatchObject({ number: 1, subject: 'The dashboard is blank', description: 'Since this morning.', status: 'open', diagnostics, createdBy: { id: viewer.userId, email: viewer.email } });
    expect(ticket.history).toEqual([{ status: 'open', by: { id: viewer.userId, email: viewer.email }, at: expect.any(String) }]);
    expect((await open(viewer, { subject: 'Second' })).number).toBe(2);

    const shown = await viewer.call({ method: 'GET', url: `/api/support-tickets/${ticket.id}` });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toEqual(ticket);

    const [created] = (await owner.call({ method: 'GET', url: '/api/audit?action=support.' })).json().entries as { action: string; actor: { userId: string }; target: { type: string; id: string }; details: Record<string, unknown> }[];
    expect(created).toMatchObject({ action: 'support.ticket_created', actor: { userId: viewer.userId }, target: { type: 'support_ticket' }, details: { number: 2, subject: 'Second' } });
  });

  it('gives ten tickets opened at once the numbers 1 to 10', async () => {
    const { owner, member } = await joinedTeam(app, db, 'responder');
    const opened = await Promise.all(Array.from({ length: 10 }, (_, i) => open(i % 2 ? owner : member, { subject: `Parallel ${i}` })));
    expect(opened.map((t) => t.number).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((await ticketsOf(owner)).map((t) => t.number)).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from audit_log where account_id = ${owner.accountId} and action = 'support.ticket_created'`;
    expect(n).toBe(10);
  });

  it('emails each new ticket to SUPPORT_EMAIL through the outbox, and nothing when it is not set', async () => {
    const owner = await signUp(app, { accountName: 'Acme\nBcc: victim@example.com' });
    const before = (await latestEmails(db.admin, { recipient: SUPPORT_EMAIL, limit: 200 })).length;
    const ticket = await open(owner, { subject: 'Export fails', description: 'CSV export answers 500.' });
    const [mail] = await latestEmails(db.admin, { recipient: SUPPORT_EMAIL, limit: 1 });
    expect(mail!.subject).toBe(`[Support #${ticket.number}] Export fails (Acme Bcc: victim@example.com)`);
    expect(mail!.body).toContain('CSV export answers 500.');
    expect(mail!.body).toContain(owner.email);
    expect(mail!.body).toContain(ticket.id);
    expect(mail!.body).toContain('TypeError: cannot read properties of undefined');
    expect((await latestEmails(db.admin, { recipient: SUPPORT_EMAIL, limit: 200 })).length).toBe(before + 1);

    const res = await quietApp.inject({ method: 'POST', url: '/api/support-tickets', headers: { authorization: `Bearer ${owner.token}` }, payload: { subject: 'Quiet', description: '', diagnostics: {} } });
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().number).toBe(ticket.number + 1);
    expect((await latestEmails(db.admin, { recipient: SUPPORT_EMAIL, limit: 200 })).length).toBe(before + 1);
  });
});

describe('who sees and changes tickets', () => {
  it('shows members their own tickets and owners and admins all, and lets only owners and admins change the status', async () => {
    const { owner, member: responder } = await joinedTeam(app, db, 'responder');
    const admin = await addMember(owner, 'admin');

    const ownersTicket = await open(owner, { subject: 'Owner’s problem' });
    const respondersTicket = await open(responder, { subject: 'Responder’s problem' });

    expect((await ticketsOf(responder)).map((t) => t.id)).toEqual([respondersTicket.id]);
    expect((await ticketsOf(owner)).map((t) => t.id)).toEqual([respondersTicket.id, ownersTicket.id]);
    expect((await ticketsOf(admin)).map((t) => t.id)).toEqual([respondersTicket.id, ownersTicket.id]);
    const notHers = await responder.call({ method: 'GET', url: `/api/support-tickets/${ownersTicket.id}` });
    expect(notHers.statusCode).toBe(404);
    expect((await admin.call({ method: 'GET', url: `/api/support-tickets/${respondersTicket.id}` })).statusCode).toBe(200);

    const byResponder = await responder.call({ method: 'PATCH', url: `/api/support-tickets/${respondersTicket.id}`, payload: { status: 'closed' } });
    expect(byResponder.statusCode).toBe(403);
    expect(byResponder.json().error.code).toBe('forbidden');

    const started = await admin.call({ method: 'PATCH', url: `/api/support-tickets/${respondersTicket.id}`, payload: { status: 'in_progress', comment: 'Looking into it' } });
    expect(started.statusCode, started.body).toBe(200);
    const resolved = await owner.call({ method: 'PATCH', url: `/api/support-tickets/${respondersTicket.id}`, payload: { status: 'resolved' } });
    expect(resolved.json().status).toBe('resolved');
    // The same status without a comment changes nothing.
    const again = await owner.call({ method: 'PATCH', url: `/api/support-tickets/${respondersTicket.id}`, payload: { status: 'resolved' } });
    expect(again.json().history).toHaveLength(3);

    const seen = (await responder.call({ method: 'GET', url: `/api/support-tickets/${respondersTicket.id}` })).json() as Ticket;
    expect(seen.status).toBe('resolved');
    expect(seen.history).toEqual([
      { status: 'open', by: { id: responder.userId, email: responder.email }, at: expect.any(String) },
      { status: 'in_progress', comment: 'Looking into it', by: { id: admin.userId, email: admin.email }, at: expect.any(String) },
      { status: 'resolved', by: { id: owner.userId, email: owner.email }, at: expect.any(String) },
    ]);

    const entries = (await owner.call({ method: 'GET', url: '/api/audit?action=support.ticket_updated' })).json().entries as { actor: { userId: string }; subjectUserId: string; details: Record<string, unknown> }[];
    expect(entries).toHaveLength(2);
    expect(entries[1]).toMatchObject({ actor: { userId: admin.userId }, subjectUserId: responder.userId, details: { number: respondersTicket.number, from: 'open', to: 'in_progress', commented: true } });
    expect(entries[0]).toMatchObject({ actor: { userId: owner.userId }, details: { from: 'in_progress', to: 'resolved', commented: false } });

    const unknown = await owner.call({ method: 'PATCH', url: `/api/support-tickets/${crypto.randomUUID()}`, payload: { status: 'closed' } });
    expect(unknown.statusCode).toBe(404);
    const badStatus = await owner.call({ method: 'PATCH', url: `/api/support-tickets/${respondersTicket.id}`, payload: { status: 'done' } });
    expect(badStatus.statusCode).toBe(400);
    expect(badStatus.json().error.details.map((d: { field?: string }) => d.field)).toContain('status');
  });
});

describe('validation', () => {
  it('names the field of a bad subject, description or diagnostics, and caps the diagnostics', async () => {
    const owner = await signUp(app);
    const fieldsOf = async (body: Record<string, unknown>) => {
      const res = await owner.call({ method: 'POST', url: '/api/support-tickets', payload: { subject: 'Broken', description: '', diagnostics: {}, ...body } });
      expect(res.statusCode, JSON.stringify(body).slice(0, 80)).toBe(400);
      return (res.json().error.details as { field?: string }[]).map((d) => d.field);
    };
    expect(await fieldsOf({ subject: 'x'.repeat(201) })).toContain('subject');
    expect(await fieldsOf({ subject: '  ' })).toContain('subject');
    expect(await fieldsOf({ description: 'x'.repeat(10_001) })).toContain('description');
    expect(await fieldsOf({ diagnostics: undefined })).toContain('diagnostics');
    expect(await fieldsOf({ diagnostics: { cookies: 'session=abc' } })).toContain('diagnostics.cookies');
    const error = { message: 'boom', at: '2024-05-01T10:00:00Z' };
    expect(await fieldsOf({ diagnostics: { recentErrors: Array(21).fill(error) } })).toContain('diagnostics.recentErrors');
    expect(await fieldsOf({ diagnostics: { recentErrors: [{ message: 'boom', at: 'yesterday' }] } })).toContain('diagnostics.recentErrors.0.at');
    expect(await fieldsOf({ diagnostics: { userAgent: 'x'.repeat(1001) } })).toContain('diagnostics.userAgent');
    // Each part within its limit, but together too large to keep.
    const big = { message: 'x'.repeat(2000), at: '2024-05-01T10:00:00Z', url: 'y'.repeat(2000) };
    expect(await fieldsOf({ diagnostics: { recentErrors: Array(20).fill(big) } })).toEqual(['diagnostics']);
    expect(await ticketsOf(owner)).toEqual([]);
  });
});

describe('isolation between accounts', () => {
  it('numbers tickets per account and answers 404 for another account’s ticket ids', async () => {
    const a = await signUp(app, { accountName: 'A' });
    const b = await signUp(app, { accountName: 'B' });
    const mine = await open(a, { subject: 'A’s secret trouble' });
    expect(mine.number).toBe(1);
    expect((await open(b)).number).toBe(1);

    expect((await b.call({ method: 'GET', url: `/api/support-tickets/${mine.id}` })).statusCode).toBe(404);
    expect((await b.call({ method: 'PATCH', url: `/api/support-tickets/${mine.id}`, payload: { status: 'closed' } })).statusCode).toBe(404);
    const listed = await ticketsOf(b);
    expect(listed.map((t) => t.id)).not.toContain(mine.id);
    expect(JSON.stringify(listed)).not.toContain('secret trouble');
    expect((await ticketsOf(a)).map((t) => t.status)).toEqual(['open']);

    const seen = await withAccount(db.sql, b.accountId, (tx) => tx`select id from support_tickets where id = ${mine.id}`);
    expect(seen).toHaveLength(0);
    await expect(
      withAccount(db.sql, b.accountId, (tx) => tx`insert into support_ticket_events (account_id, ticket_id, status) values (${b.accountId}, ${mine.id}, 'closed')`),
    ).rejects.toThrow(/foreign key/);
  });
});
