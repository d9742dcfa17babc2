// One automation run: live progress (the page polls while it is not final), approvals, approve / reject with a
// comment, cancel. The API's refusals (403 the requester, 409 not waiting) come back as the form's message.
import { fail } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { People } from '#lib/automations/types.ts';
import type { Member } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

/** The page's run, as the client's path parameters. */
const runOf = (event: { params: { id: string } }) => ({ params: { path: { id: event.params.id } } });

export const load: PageServerLoad = async (event) => {
  event.depends('data:automation-run');
  const [detail, members] = await Promise.all([
    loadApi(event, (c) => c.GET('/api/automation-runs/{id}', runOf(event))),
    api(event, (c) => c.GET('/api/members')).catch(() => ({ members: [] as Member[] })),
  ]);
  const people: People = Object.fromEntries(members.members.map((m) => [m.userId, { name: m.name, email: m.email }]));
  return { detail, people };
};

async function decide(event: Parameters<Actions[string]>[0], decision: 'approve' | 'reject') {
  const form = await event.request.formData();
  const comment = String(form.get('comment') ?? '').trim();
  const stepRaw = String(form.get('stepIndex') ?? '');
  const stepIndex = stepRaw === '' ? undefined : Number(stepRaw);
  try {
    const body = { ...(comment ? { comment } : {}), ...(stepIndex !== undefined && Number.isInteger(stepIndex) ? { stepIndex } : {}) };
    await api(event, (c) => (decision === 'approve' ? c.POST('/api/automation-runs/{id}/approve', { ...runOf(event), body }) : c.POST('/api/automation-runs/{id}/reject', { ...runOf(event), body })), {
      timeoutMs: 20_000,
    });
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { kind: decision, error: err.body.message, comment });
    throw err;
  }
  return { kind: decision, done: true };
}

export const actions: Actions = {
  approve: (event) => decide(event, 'approve'),
  reject: (event) => decide(event, 'reject'),
  cancel: async (event) => {
    try {
      await api(event, (c) => c.POST('/api/automation-runs/{id}/cancel', runOf(event)));
    } catch (err) {
      if (err instanceof ApiError) return fail(err.status, { kind: 'cancel', error: err.body.message });
      throw err;
    }
    return { kind: 'cancel', done: true };
  },
};
