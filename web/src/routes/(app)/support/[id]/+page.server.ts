// One problem report: what was said, the diagnostics, the status history; owners and admins change its status.
import { load as loadFromApi, api } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import { canAdminister } from '#lib/components/shell/nav.ts';
import type { TicketStatus } from '#lib/components/shell/support-types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const ticket = await loadFromApi(event, (c) => c.GET('/api/support-tickets/{id}', { params: { path: { id: event.params.id } } }));
  return { ticket, canManage: canAdminister(me.account?.role), created: event.url.searchParams.has('created') };
};

export const actions: Actions = {
  status: async (event) => {
    const form = await event.request.formData();
    const values = { status: String(form.get('status') ?? ''), comment: String(form.get('comment') ?? '') };
    try {
      // The status goes as chosen; the API names one it does not know.
      const body = { status: values.status as TicketStatus, ...(values.comment.trim() ? { comment: values.comment.trim() } : {}) };
      await api(event, (c) => c.PATCH('/api/support-tickets/{id}', { params: { path: { id: event.params.id } }, body }));
    } catch (err) {
      return formFailure(err, values);
    }
    return { updated: values.status };
  },
};
