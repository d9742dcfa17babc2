// Running a runbook: choose a target (the page then previews each step's risk and the target's policy outcome), set
// dry run and the approval window, request; the run page follows it. `?incident=` ties the run to an incident.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import { mayRun, type RunDetail, type RunPreview } from '#lib/automations/types.ts';
import type { Actions, PageServerLoad } from './$types';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  if (!mayRun(me.account)) redirect(303, `/runbooks/${event.params.id}`);
  const [runbook, targets] = await Promise.all([
    loadApi(event, (c) => c.GET('/api/runbooks/{id}', { params: { path: { id: event.params.id } } })),
    loadApi(event, (c) => c.GET('/api/automation-targets')),
  ]);
  const chosen = event.url.searchParams.get('target') ?? (targets.targets.length === 1 ? targets.targets[0]!.id : '');
  const target = targets.targets.find((t) => t.id === chosen) ?? null;
  const incidentRaw = event.url.searchParams.get('incident') ?? '';
  const incidentId = UUID.test(incidentRaw) ? incidentRaw : null;
  let preview: RunPreview | null = null;
  let previewError: string | null = null;
  if (target) {
    try {
      preview = await api(event, (c) => c.POST('/api/automation-runs/preview', { body: { runbookId: runbook.id, targetId: target.id } }));
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      previewError = err.body.message;
    }
  }
  return { runbook, targets: targets.targets, target, preview, previewError, incidentId };
};

export const actions: Actions = {
  default: async (event) => {
    const form = await event.request.formData();
    const targetId = String(form.get('targetId') ?? '');
    const version = Number(form.get('version'));
    const dryRun = form.get('dryRun') === 'on';
    const minutes = Number(form.get('expiresInMinutes') ?? '60');
    const incidentId = String(form.get('incidentId') ?? '');
    const values = { targetId, dryRun, expiresInMinutes: String(form.get('expiresInMinutes') ?? '') };
    if (!Number.isFinite(minutes) || minutes < 1 || minutes > 10080) {
      return fail(400, { values, error: 'The approval window must be between 1 minute and 7 days.', fields: { expiresInMinutes: 'Between 1 and 10080 minutes' } });
    }
    let created: RunDetail;
    try {
      created = await api(
        event,
        (c) =>
          c.POST('/api/automation-runs', {
            body: {
              runbookId: event.params.id,
              targetId,
              ...(Number.isInteger(version) && version >= 1 ? { version } : {}),
              dryRun,
              expiresInSeconds: Math.round(minutes * 60),
              ...(UUID.test(incidentId) ? { incidentId } : {}),
            },
          }),
        { timeoutMs: 20_000 },
      );
    } catch (err) {
      if (err instanceof ApiError) {
        const fields: Record<string, string> = {};
        for (const d of err.body.details) if (d.field) fields[d.field === 'expiresInSeconds' ? 'expiresInMinutes' : d.field] = d.message;
        return fail(err.status >= 500 ? 503 : err.status, { values, error: err.body.message, fields });
      }
      throw err;
    }
    redirect(303, `/automations/runs/${created.run.id}`);
  },
};
