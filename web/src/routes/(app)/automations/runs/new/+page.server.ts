// From an incident's page: the runbook chosen there, then the run page for it with the incident attached.
import { redirect } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const runbook = event.url.searchParams.get('runbook') ?? '';
  const incident = event.url.searchParams.get('incident') ?? '';
  if (!/^[0-9a-f-]{36}$/i.test(runbook)) redirect(303, incident ? `/incidents/${encodeURIComponent(incident)}` : '/runbooks');
  redirect(303, `/runbooks/${runbook}/run${/^[0-9a-f-]{36}$/i.test(incident) ? `?incident=${incident}` : ''}`);
};
