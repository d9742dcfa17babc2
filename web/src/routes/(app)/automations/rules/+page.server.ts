// Automation event rules: list with recent firings, add one (what it matches, runbook, target, cooldown, auto-run),
// change, enable/disable, delete. Managing them is for owners and admins (automations:targets).
import type { Body } from '#lib/api/index.ts';
import { api, load as loadApi } from '#lib/server/api.ts';
import { patternChoices } from '#lib/server/patterns.ts';
import { failure, list, text, type PickerItem } from '../schedules/triggers';
import type { Actions, PageServerLoad } from './$types';

const KEEP = ['name', 'runbookId', 'targetId', 'services', 'clusterIds', 'severities', 'novelties', 'onNew', 'onReopened', 'cooldownMinutes', 'autoRun', 'dryRun'];

export const load: PageServerLoad = async (event) => {
  event.depends('data:automation-rules');
  const [{ rules }, { targets }, { runbooks }, patterns] = await Promise.all([
    loadApi(event, (c) => c.GET('/api/automation-rules')),
    loadApi(event, (c) => c.GET('/api/automation-targets')),
    loadApi(event, (c) => c.GET('/api/runbooks', { params: { query: { limit: 100 } } })),
    // The patterns a rule may name, largest first (a rule's own are listed by the form even when not among them).
    patternChoices(event),
  ]);
  return {
    rules,
    patterns,
    runbooks: runbooks.map((r): PickerItem => ({ id: r.id, label: r.title })),
    targets: targets.map((t): PickerItem => ({ id: t.id, label: `${t.name} (${t.kind === 'ssh' ? 'SSH' : 'Lambda'}${t.verifiedAt ? ', verified' : ', not verified'})` })),
  };
};

/** The form's fields as the API's body (severities and labels as chosen: the API names one it does not know). */
function ruleBody(form: FormData): Body<'/api/automation-rules', 'post'> {
  const minutes = text(form, 'cooldownMinutes');
  return {
    name: text(form, 'name'),
    runbookId: text(form, 'runbookId'),
    targetId: text(form, 'targetId'),
    services: list(form, 'services'),
    clusterIds: form.getAll('clusterIds').map(String),
    severities: form.getAll('severities').map(String) as Body<'/api/automation-rules', 'post'>['severities'],
    novelties: form.getAll('novelties').map(String) as Body<'/api/automation-rules', 'post'>['novelties'],
    onNew: form.get('onNew') === 'on',
    onReopened: form.get('onReopened') === 'on',
    ...(minutes ? { cooldownSeconds: Math.round(Number(minutes) * 60) } : {}),
    autoRun: form.get('autoRun') === 'on',
    dryRun: form.get('dryRun') === 'on',
  };
}

export const actions: Actions = {
  create: async (event) => {
    const form = await event.request.formData();
    try {
      const created = await api(event, (c) => c.POST('/api/automation-rules', { body: ruleBody(form) }));
      return { kind: 'create', created: created.rule.name };
    } catch (err) {
      return failure(err, 'create', form, KEEP);
    }
  },
  update: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      const updated = await api(event, (c) => c.PATCH('/api/automation-rules/{id}', { params: { path: { id } }, body: ruleBody(form) }));
      return { kind: 'update', id, updated: updated.rule.name };
    } catch (err) {
      return failure(err, 'update', form, KEEP, id);
    }
  },
  toggle: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      await api(event, (c) => c.PATCH('/api/automation-rules/{id}', { params: { path: { id } }, body: { enabled: text(form, 'enabled') === 'true' } }));
      return { kind: 'toggle', id, saved: true };
    } catch (err) {
      return failure(err, 'toggle', null, [], id);
    }
  },
  delete: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      await api(event, (c) => c.DELETE('/api/automation-rules/{id}', { params: { path: { id } } }));
      return { kind: 'delete', id, deleted: true };
    } catch (err) {
      return failure(err, 'delete', null, [], id);
    }
  },
};
