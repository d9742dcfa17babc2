// One problem report: what was said, the diagnostics, the status history; owners and admins change its status.
import { load as loadFromApi, api } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import { canAdminister } from '#lib/components/shell/nav.ts';
import type { Ticket } from '#lib/components/shell/support-types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const ticket = await loadFromApi<Ticket>(event, `/api/support-tickets/${encodeURIComponent(event.params.id)}`);
  return { ticket, canManage: canAdminister(me.account?.role), created: event.url.searchParams.has('created') };
};

export const actions: Actions = {
  status: async (event) => {
    const form = await event.request.formData();
    const values = { status: String(form.get('status') ?? ''), comment: String(form.get('comment') ?? '') };
    try {
      await api<Ticket>(event, `/api/support-tickets/${encodeURIComponent(event.params.id)}`, {
        method: 'PATCH',
        body: { status: values.status, ...(values.comment.trim() ? { comment: values.comment.trim() } : {}) },
      });
    } catch (err) {
      return formFailure(err, values);
    }
    return { updated: values.status };
  },
};
