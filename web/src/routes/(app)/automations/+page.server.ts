// Automation runs: the ones waiting for the caller's approval first, then the history (filter by status in the URL).
import { api, load as loadApi } from '#lib/server/api.ts';
import { mayApprove, RUN_STATUSES, type People, type RunStatus } from '#lib/automations/types.ts';
import type { Member } from '#lib/types.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  event.depends('data:automation-runs');
  const raw = event.url.searchParams.get('status') ?? '';
  const status = (RUN_STATUSES as string[]).includes(raw) ? (raw as RunStatus) : null;
  const [history, waiting, members] = await Promise.all([
    loadApi(event, (c) => c.GET('/api/automation-runs', { params: { query: { limit: 100, ...(status ? { status } : {}) } } })),
    mayApprove(me.account) ? loadApi(event, (c) => c.GET('/api/automation-runs', { params: { query: { status: 'awaiting_approval', limit: 100 } } })) : { runs: [] },
    // Names for requesters; a page without them still works.
    api(event, (c) => c.GET('/api/members')).catch(() => ({ members: [] as Member[] })),
  ]);
  const people: People = Object.fromEntries(members.members.map((m) => [m.userId, { name: m.name, email: m.email }]));
  // Waiting for this member: runs awaiting their approval, and running ones whose destructive step waits for its own.
  const stepWaits = mayApprove(me.account) ? history.runs.filter((r) => r.awaitingStep != null && r.requestedBy !== me.user.id && !waiting.runs.some((w) => w.id === r.id)) : [];
  return { runs: history.runs, waiting: [...waiting.runs.filter((r) => r.requestedBy !== me.user.id && !r.decidedByMe), ...stepWaits], status, people };
};
