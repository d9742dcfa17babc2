// Automation schedules: list with next run times (from Temporal), add one (runbook, target, cron, time zone), pause,
// resume, change, delete. Managing them is for owners and admins (automations:targets).
import type { Body } from '#lib/api/index.ts';
import { api, load as loadApi } from '#lib/server/api.ts';
import { failure, list, text, type PickerItem } from './triggers';
import type { Actions, PageServerLoad } from './$types';

const KEEP = ['name', 'runbookId', 'targetId', 'cron', 'timeZone', 'runbookVersion', 'dryRun'];

export const load: PageServerLoad = async (event) => {
  event.depends('data:automation-schedules');
  const [{ schedules }, { targets }, { runbooks }] = await Promise.all([
    loadApi(event, (c) => c.GET('/api/automation-schedules')),
    loadApi(event, (c) => c.GET('/api/automation-targets')),
    loadApi(event, (c) => c.GET('/api/runbooks', { params: { query: { limit: 100 } } })),
  ]);
  return {
    schedules,
    runbooks: runbooks.map((r): PickerItem => ({ id: r.id, label: r.title })),
    targets: targets.map((t): PickerItem => ({ id: t.id, label: `${t.name} (${t.kind === 'ssh' ? 'SSH' : 'Lambda'}${t.verifiedAt ? ', verified' : ', not verified'})` })),
  };
};

/** The form's fields as the API's body; an empty version means the current one (null clears a fixed one). */
function scheduleBody(form: FormData): Body<'/api/automation-schedules', 'post'> {
  const version = text(form, 'runbookVersion');
  const cron = list(form, 'cron', { commas: false });
  return {
    name: text(form, 'name'),
    runbookId: text(form, 'runbookId'),
    targetId: text(form, 'targetId'),
    cron: cron.length ? cron : [''],
    timeZone: text(form, 'timeZone') || 'UTC',
    runbookVersion: version ? Number(version) : null,
    dryRun: form.get('dryRun') === 'on',
  };
}

export const actions: Actions = {
  create: async (event) => {
    const form = await event.request.formData();
    try {
      const created = await api(event, (c) => c.POST('/api/automation-schedules', { body: scheduleBody(form) }), { timeoutMs: 20_000 });
      return { kind: 'create', created: created.schedule.name };
    } catch (err) {
      return failure(err, 'create', form, KEEP);
    }
  },
  update: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      const updated = await api(event, (c) => c.PATCH('/api/automation-schedules/{id}', { params: { path: { id } }, body: scheduleBody(form) }), { timeoutMs: 20_000 });
      return { kind: 'update', id, updated: updated.schedule.name };
    } catch (err) {
      return failure(err, 'update', form, KEEP, id);
    }
  },
  pause: async (event) => change(event, 'pause'),
  resume: async (event) => change(event, 'resume'),
  delete: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      await api(event, (c) => c.DELETE('/api/automation-schedules/{id}', { params: { path: { id } } }), { timeoutMs: 20_000 });
      return { kind: 'delete', id, deleted: true };
    } catch (err) {
      return failure(err, 'delete', null, [], id);
    }
  },
};

async function change(event: Parameters<Actions[string]>[0], what: 'pause' | 'resume') {
  const form = await event.request.formData();
  const id = text(form, 'id');
  try {
    const schedule = { params: { path: { id } } };
    await api(event, (c) => (what === 'pause' ? c.POST('/api/automation-schedules/{id}/pause', schedule) : c.POST('/api/automation-schedules/{id}/resume', schedule)), { timeoutMs: 20_000 });
    return { kind: what, id, saved: true };
  } catch (err) {
    return failure(err, what, null, [], id);
  }
}
