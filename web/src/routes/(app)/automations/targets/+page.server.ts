// Automation targets: list with verification, add a Lambda function or an SSH host (secrets write-only: never sent
// back to the browser), verify again, change patterns and required approvals, delete.
import { fail } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { Body } from '#lib/api/index.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  event.depends('data:automation-targets');
  const { targets } = await loadApi(event, (c) => c.GET('/api/automation-targets'));
  return { targets };
};

const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();
const lines = (form: FormData, name: string) => text(form, name).split('\n').map((l) => l.trim()).filter(Boolean);

/** The form's values without its secrets: they never travel back to the browser. */
function values(form: FormData) {
  const keep = ['kind', 'name', 'region', 'functionName', 'roleArn', 'externalId', 'endpoint', 'host', 'port', 'username', 'hostKeyFingerprint', 'allowPatterns', 'denyPatterns', 'requiredApprovals'];
  return Object.fromEntries(keep.map((k) => [k, text(form, k)]));
}

function failure(err: unknown, kind: string, form: FormData | null, id?: string) {
  if (err instanceof ApiError) {
    const fields: Record<string, string> = {};
    for (const d of err.body.details) {
      const key = (d.field ?? '').replace(/^config\./, '').replace(/^secrets\.?/, 'secrets');
      if (key && !fields[key]) fields[key] = d.message.replace(/^body\.\S+ /, '');
    }
    return fail(err.status >= 500 ? 503 : err.status, { kind, id, error: err.body.message, fields, values: form ? values(form) : {} });
  }
  throw err;
}

export const actions: Actions = {
  create: async (event) => {
    const form = await event.request.formData();
    const kind = text(form, 'kind');
    const config =
      kind === 'ssh'
        ? { kind, host: text(form, 'host'), port: Number(text(form, 'port') || '22'), username: text(form, 'username'), hostKeyFingerprint: text(form, 'hostKeyFingerprint') }
        : {
            kind: 'lambda',
            region: text(form, 'region'),
            functionName: text(form, 'functionName'),
            ...(text(form, 'roleArn') ? { roleArn: text(form, 'roleArn') } : {}),
            ...(text(form, 'externalId') ? { externalId: text(form, 'externalId') } : {}),
            ...(text(form, 'endpoint') ? { endpoint: text(form, 'endpoint') } : {}),
          };
    const secrets =
      kind === 'ssh'
        ? text(form, 'privateKey')
          ? { privateKey: String(form.get('privateKey')).replace(/\r\n/g, '\n'), ...(text(form, 'passphrase') ? { passphrase: String(form.get('passphrase')) } : {}) }
          : undefined
        : text(form, 'accessKeyId') || text(form, 'secretAccessKey')
          ? { accessKeyId: text(form, 'accessKeyId'), secretAccessKey: text(form, 'secretAccessKey') }
          : undefined;
    try {
      // As the form says; the API validates it and names what it refuses (the form shows it by field).
      const body = {
        name: text(form, 'name'),
        config,
        ...(secrets ? { secrets } : {}),
        allowPatterns: lines(form, 'allowPatterns'),
        denyPatterns: lines(form, 'denyPatterns'),
        requiredApprovals: Number(text(form, 'requiredApprovals') || '1'),
      } as Body<'/api/automation-targets', 'post'>;
      const created = await api(event, (c) => c.POST('/api/automation-targets', { body }), { timeoutMs: 30_000 });
      return { kind: 'create', created: created.target.name, verification: created.verification ?? null };
    } catch (err) {
      return failure(err, 'create', form);
    }
  },
  update: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      const body = { allowPatterns: lines(form, 'allowPatterns'), denyPatterns: lines(form, 'denyPatterns'), requiredApprovals: Number(text(form, 'requiredApprovals') || '1') };
      await api(event, (c) => c.PATCH('/api/automation-targets/{id}', { params: { path: { id } }, body }), { timeoutMs: 30_000 });
      return { kind: 'update', id, saved: true };
    } catch (err) {
      return failure(err, 'update', form, id);
    }
  },
  verify: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      const res = await api(event, (c) => c.POST('/api/automation-targets/{id}/verify', { params: { path: { id } } }), { timeoutMs: 30_000 });
      return { kind: 'verify', id, verification: res.verification ?? null };
    } catch (err) {
      return failure(err, 'verify', null, id);
    }
  },
  delete: async (event) => {
    const form = await event.request.formData();
    const id = text(form, 'id');
    try {
      await api(event, (c) => c.DELETE('/api/automation-targets/{id}', { params: { path: { id } } }));
      return { kind: 'delete', id, deleted: true };
    } catch (err) {
      return failure(err, 'delete', null, id);
    }
  },
};
