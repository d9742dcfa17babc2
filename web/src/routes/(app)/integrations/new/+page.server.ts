// Connecting a tool: check the credentials with the tool (and see what it offers to import), then connect with the
// chosen filters; the history import starts at once and the webhook secret is shown this once.
import { redirect } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import type { Body } from '#lib/api/index.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  if (me.account?.role !== 'owner' && me.account?.role !== 'admin') redirect(303, '/integrations');
  return {};
};

const text = (form: FormData, name: string) => String(form.get(name) ?? '').trim();
const list = (form: FormData, name: string) => form.getAll(name).map(String).filter(Boolean);

/** What the form says, without the API key (it never travels back to the browser). */
function values(form: FormData) {
  return { kind: text(form, 'kind'), name: text(form, 'name'), region: text(form, 'region'), baseUrl: text(form, 'baseUrl'), historyDays: text(form, 'historyDays'), mapping: text(form, 'mapping') };
}

function credentials(form: FormData) {
  const region = text(form, 'region');
  const baseUrl = text(form, 'baseUrl');
  return { apiKey: text(form, 'apiKey'), ...(region && text(form, 'kind') === 'opsgenie' ? { region } : {}), ...(baseUrl ? { baseUrl } : {}) };
}

export const actions: Actions = {
  verify: async (event) => {
    const form = await event.request.formData();
    try {
      // The form's kind goes as chosen; the API names one it does not know.
      const body = { kind: text(form, 'kind'), credentials: credentials(form) } as Body<'/api/integrations/verify', 'post'>;
      const verified = await api(event, (c) => c.POST('/api/integrations/verify', { body }));
      return { verified, values: values(form) };
    } catch (err) {
      return formFailure(err, values(form));
    }
  },
  connect: async (event) => {
    const form = await event.request.formData();
    const kind = text(form, 'kind');
    const hasApi = kind === 'pagerduty' || kind === 'opsgenie';
    let mapping: unknown;
    if (kind === 'webhook' || kind === 'csv') {
      try {
        mapping = JSON.parse(text(form, 'mapping') || '{}');
      } catch {
        const details = [{ field: 'settings.mapping', in: 'body', message: 'body.settings.mapping is not valid JSON' }];
        return formFailure(new ApiError(400, { code: 'invalid_body', message: 'The field mapping is not valid JSON', details }), values(form));
      }
    }
    const filters = { services: list(form, 'services'), teams: list(form, 'teams'), urgencies: list(form, 'urgencies'), statuses: list(form, 'statuses') };
    const days = Number(text(form, 'historyDays') || '90');
    // As the form says; the API validates it and names what it refuses (the form shows it by field).
    const body = {
      kind,
      name: text(form, 'name'),
      ...(hasApi ? { credentials: credentials(form) } : {}),
      ...(kind === 'pagerduty' && text(form, 'webhookSecret') ? { webhookSecret: text(form, 'webhookSecret') } : {}),
      settings: {
        ...(Object.values(filters).some((l) => l.length > 0) ? { filters: Object.fromEntries(Object.entries(filters).filter(([, l]) => l.length > 0)) } : {}),
        ...(list(form, 'drop').length ? { drop: list(form, 'drop') } : {}),
        ...(hasApi ? { history: { days: Number.isFinite(days) ? Math.round(days) : 90 } } : {}),
        ...(mapping ? { mapping } : {}),
      },
    } as Body<'/api/integrations', 'post'>;
    try {
      const created = await api(event, (c) => c.POST('/api/integrations', { body }));
      return { created };
    } catch (err) {
      return formFailure(err, values(form));
    }
  },
};
