// Platform health: every part's status, the latest echo jobs, and a form that starts one.
import { fail } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import { apiHealth } from '#lib/server/health.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:health');
  const [health, jobs] = await Promise.all([
    apiHealth(event).then(
      (value) => ({ value, error: null }),
      (err: unknown) => ({ value: null, error: err instanceof Error ? err.message : String(err) }),
    ),
    api(event, (c) => c.GET('/api/jobs', { params: { query: { kind: 'echo', limit: 10 } } })).then(
      (value) => ({ value: value.jobs, error: null }),
      (err: unknown) => ({ value: null, error: err instanceof Error ? err.message : String(err) }),
    ),
  ]);
  return { health: health.value, healthError: health.error, jobs: jobs.value, jobsError: jobs.error };
};

export const actions: Actions = {
  echo: async (event) => {
    const form = await event.request.formData();
    const message = String(form.get('message') ?? '');
    const stepsRaw = String(form.get('steps') ?? '').trim();
    const steps = stepsRaw === '' ? undefined : Number(stepsRaw);
    try {
      // Steps that are not a number go as typed, for the API to refuse by name.
      const body = { message, ...(steps === undefined ? {} : { steps: (Number.isFinite(steps) ? steps : stepsRaw) as number }) };
      const { job } = await api(event, (c) => c.POST('/api/jobs/echo', { body }));
      return { started: job.id };
    } catch (err) {
      if (err instanceof ApiError && err.status < 500) {
        const fields: Record<string, string> = {};
        for (const d of err.body.details) if (d.field) fields[d.field] = d.message;
        return fail(err.status, { message, steps: stepsRaw, error: err.body.message, fields });
      }
      return fail(503, { message, steps: stepsRaw, error: err instanceof Error ? err.message : String(err), fields: {} as Record<string, string> });
    }
  },
};
