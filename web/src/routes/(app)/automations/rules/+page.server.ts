// Automation event rules: list with recent firings, add one (what it matches, runbook, target, cooldown, auto-run),
// change, enable/disable, delete. Managing them is for owners and admins (automations:targets).
import { api, load as loadApi } from '#lib/server/api.ts';
import type { Target } from '#lib/automations/types.ts';
import { patternChoices } from '#lib/server/patterns.ts';
import { failure, list, text, type PickerItem, type Rule } from '../schedules/triggers';
import type { Actions, PageServerLoad } from './$types';

const KEEP = ['name', 'runbookId', 'targetId', 'services', 'clusterIds', 'severities', 'novelties', 'onNew', 'onReopened', 'cooldownMinutes', 'autoRun', 'dryRun'];

export const load: PageServerLoad = async (event) => {
  event.depends('data:automation-rules');
  const [{ rules }, { targets }, { runbooks }, patterns] = await Promise.all([
    loadApi<{ rules: Rule[] }>(event, '/api/automation-rules'),
    loadApi<{ targets: Target[] }>(event, '/api/automation-targets'),
    loadApi<{ runbooks: { id: string; title: string }[] }>(event, '/api/runbooks?limit=100'),
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

/** The form's fields as the API's body. */
function ruleBody(form: FormData) {
  const minutes = text(form, 'cooldownMinutes');
  return {
    name: text(form, 'name'),
    runbookId: text(form, 'runbookId'),
    targetId: text(form, 'targetId'),
    services: list(form, 'services'),
    clusterIds: form.getAll('clusterIds').map(String),
    severities: form.getAll('severities').map(String),
    novelties: form.getAll('novelties').map(String),
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
      const created = await api<{ rule: Rule }>(event, '/api/automation-rules', { method: 'POST', body: ruleBody(form) });
      return { kind: 'create', created: created.rule.name };
    } catch (err) {
      return failure(err, 'create', form, KEEP);
    }
  },
  update: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      const updated = await api<{ rule: Rule }>(event, `/api/automation-rules/${encodeURIComponent(id)}`, { method: 'PATCH', body: ruleBody(form) });
      return { kind: 'update', id, updated: updated.rule.name };
    } catch (err) {
      return failure(err, 'update', form, KEEP, id);
    }
  },
  toggle: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      await api(event, `/api/automation-rules/${encodeURIComponent(id)}`, { method: 'PATCH', body: { enabled: text(form, 'enabled') === 'true' } });
      return { kind: 'toggle', id, saved: true };
    } catch (err) {
      return failure(err, 'toggle', null, [], id);
    }
  },
  delete: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      await api(event, `/api/automation-rules/${encodeURIComponent(id)}`, { method: 'DELETE' });
      return { kind: 'delete', id, deleted: true };
    } catch (err) {
      return failure(err, 'delete', null, [], id);
    }
  },
};
