// Saved views: the caller's own and those shared with the account, to open, rename, share, make default or delete.
import { fail } from '@sveltejs/kit';
import { api, ApiError, load as loadApi } from '#lib/server/api.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { views } = await loadApi(event, (c) => c.GET('/api/views'));
  return { views };
};

const field = (form: FormData, name: string) => String(form.get(name) ?? '').trim();

async function attempt(action: string, id: string, call: () => Promise<unknown>) {
  try {
    await call();
    return { action, id, done: true };
  } catch (err) {
    const status = err instanceof ApiError && err.status < 500 ? err.status : 503;
    const detail = err instanceof ApiError ? (err.body.details.find((d) => d.field)?.message ?? err.body.message) : String(err);
    return fail(status, { action, id, error: detail });
  }
}

export const actions: Actions = {
  rename: async (event) => {
    const form = await event.request.formData();
    const id = field(form, 'id');
    return attempt('rename', id, () => api(event, (c) => c.PATCH('/api/views/{id}', { params: { path: { id } }, body: { name: field(form, 'name') } })));
  },
  share: async (event) => {
    const form = await event.request.formData();
    const id = field(form, 'id');
    return attempt('share', id, () => api(event, (c) => c.PATCH('/api/views/{id}', { params: { path: { id } }, body: { shared: form.get('shared') === 'true' } })));
  },
  setDefault: async (event) => {
    const form = await event.request.formData();
    const id = field(form, 'id');
    const page = field(form, 'page') === 'incidents' ? 'incidents' : 'dashboard';
    return attempt('setDefault', id, () => api(event, (c) => c.PUT('/api/views/default', { body: { page, viewId: form.get('unset') === 'true' ? null : id } })));
  },
  delete: async (event) => {
    const form = await event.request.formData();
    const id = field(form, 'id');
    return attempt('delete', id, () => api(event, (c) => c.DELETE('/api/views/{id}', { params: { path: { id } } })));
  },
};
