// The "Generate runbook" action of the incident and cluster pages: start a draft, then go to its page.
import { fail, redirect } from '@sveltejs/kit';
import type { Answer } from '#lib/api/index.ts';
import { api, ApiError, type ApiEvent } from '#lib/server/api.ts';

export async function generateRunbook(event: ApiEvent, subject: { incidentId: string } | { clusterId: string }) {
  let draft: Answer<'/api/runbook-drafts', 'post', 202>;
  try {
    draft = await api(event, (c) => c.POST('/api/runbook-drafts', { body: subject }));
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { kind: 'generate', error: err.body.message });
    throw err;
  }
  redirect(303, `/runbooks/drafts/${draft.id}`);
}
