// The "Generate runbook" action of the incident and cluster pages: start a draft, then go to its page.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, type ApiEvent } from '#lib/server/api.ts';

export async function generateRunbook(event: ApiEvent, subject: { incidentId: string } | { clusterId: string }) {
  let draft: { id: string };
  try {
    draft = await api<{ id: string }>(event, '/api/runbook-drafts', { method: 'POST', body: subject });
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { kind: 'generate', error: err.body.message });
    throw err;
  }
  redirect(303, `/runbooks/drafts/${draft.id}`);
}
