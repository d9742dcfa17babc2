// Report a problem: a form that opens a support ticket with the browser's diagnostics, and the tickets so far
// (the user's own; owners and admins see every ticket of the account).
import { redirect } from '@sveltejs/kit';
import { api } from '#lib/server/api.ts';
import { apiHealth } from '#lib/server/health.ts';
import { formFailure } from '#lib/server/forms.ts';
import { canAdminister } from '#lib/components/shell/nav.ts';
import { TICKET_STATUSES, type Diagnostics, type Ticket, type TicketStatus } from '#lib/components/shell/support-types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const status = event.url.searchParams.get('status') ?? '';
  const chosen = (TICKET_STATUSES as readonly string[]).includes(status) ? (status as TicketStatus) : null;
  const tickets = await api(event, (c) => c.GET('/api/support-tickets', { params: { query: { limit: 100, ...(chosen ? { status: chosen } : {}) } } })).then(
    (value) => ({ value: value.tickets, error: null }),
    (err: unknown) => ({ value: [] as Ticket[], error: err instanceof Error ? err.message : String(err) }),
  );
  return { tickets: tickets.value, ticketsError: tickets.error, status: chosen, seesAll: canAdminister(me.account?.role) };
};

/** The product's version as the API reports it: the web and the API ship together. */
async function productVersion(event: Parameters<typeof api>[0]): Promise<string | undefined> {
  try {
    const health = await apiHealth(event, { timeoutMs: 5_000 });
    return health.checks.api.version;
  } catch {
    return undefined;
  }
}

function parseDiagnostics(raw: string): Diagnostics {
  try {
    const value: unknown = JSON.parse(raw);
    if (!value || typeof value !== 'object' || Array.isArray(value)) return {};
    const d = value as Record<string, unknown>;
    const text = (v: unknown, max: number) => (typeof v === 'string' && v ? v.slice(0, max) : undefined);
    const errors = Array.isArray(d.recentErrors)
      ? d.recentErrors
          .filter((e): e is { message: string; at: string; url?: unknown } => !!e && typeof e === 'object' && typeof e.message === 'string' && typeof e.at === 'string')
          .slice(-20)
          .map((e) => ({ message: e.message.slice(0, 2000), at: e.at, ...(typeof e.url === 'string' ? { url: e.url.slice(0, 2000) } : {}) }))
      : [];
    const out: Diagnostics = {};
    const userAgent = text(d.userAgent, 1000);
    const url = text(d.url, 2000);
    const viewport = text(d.viewport, 50);
    if (userAgent) out.userAgent = userAgent;
    if (url) out.url = url;
    if (viewport) out.viewport = viewport;
    if (errors.length) out.recentErrors = errors;
    return out;
  } catch {
    return {};
  }
}

export const actions: Actions = {
  create: async (event) => {
    const form = await event.request.formData();
    const values = { subject: String(form.get('subject') ?? ''), description: String(form.get('description') ?? '') };
    // Without JavaScript the browser's part is missing; the server still knows the browser and the version.
    const diagnostics = parseDiagnostics(String(form.get('diagnostics') ?? '{}'));
    diagnostics.userAgent ??= event.request.headers.get('user-agent')?.slice(0, 1000) ?? undefined;
    const version = await productVersion(event);
    if (version) diagnostics.version = version;
    if (!diagnostics.userAgent) delete diagnostics.userAgent;
    let ticket: Ticket;
    try {
      ticket = await api(event, (c) => c.POST('/api/support-tickets', { body: { ...values, diagnostics } }));
    } catch (err) {
      return formFailure(err, values);
    }
    redirect(303, `/support/${ticket.id}?created=1`);
  },
};
