// Members of the account: who has which role, invitations, and (for owners and admins) managing both.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import type { Invitation, Role } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const canManage = me.account?.role === 'owner' || me.account?.role === 'admin';
  const [{ members }, invitations] = await Promise.all([
    api(event, (c) => c.GET('/api/members')),
    canManage ? api(event, (c) => c.GET('/api/invitations')).then((r) => r.invitations) : Promise.resolve([] as Invitation[]),
  ]);
  return { members, invitations, canManage };
};

/** A row action: its success value, or the API's refusal shown above the members table. */
async function memberAction<T>(run: () => Promise<unknown>, done: T, userId?: string) {
  try {
    await run();
  } catch (err) {
    if (err instanceof ApiError) return fail(err.status, { memberError: err.body.message, ...(userId ? { userId } : {}) });
    throw err;
  }
  return done;
}

export const actions: Actions = {
  invite: async (event) => {
    const form = await event.request.formData();
    const values = { email: String(form.get('email') ?? ''), role: String(form.get('role') ?? 'viewer') };
    try {
      // The role goes as chosen; the API names one it does not know.
      await api(event, (c) => c.POST('/api/invitations', { body: { ...values, role: values.role as Role } }));
    } catch (err) {
      return formFailure(err, values);
    }
    return { invited: values.email };
  },
  role: async (event) => {
    const form = await event.request.formData();
    const userId = String(form.get('userId') ?? '');
    const role = String(form.get('role') ?? '') as Role;
    return memberAction(() => api(event, (c) => c.PATCH('/api/members/{userId}', { params: { path: { userId } }, body: { role } })), { updated: userId }, userId);
  },
  approver: async (event) => {
    const form = await event.request.formData();
    const userId = String(form.get('userId') ?? '');
    const approver = form.get('approver') === 'true';
    return memberAction(() => api(event, (c) => c.PATCH('/api/members/{userId}', { params: { path: { userId } }, body: { approver } })), { updated: userId }, userId);
  },
  remove: async (event) => {
    const userId = String((await event.request.formData()).get('userId') ?? '');
    return memberAction(() => api(event, (c) => c.DELETE('/api/members/{userId}', { params: { path: { userId } } })), { removed: userId }, userId);
  },
  rename: async (event) => {
    const name = String((await event.request.formData()).get('name') ?? '');
    try {
      await api(event, (c) => c.PATCH('/api/account', { body: { name } }));
    } catch (err) {
      return formFailure(err, { name });
    }
    return { renamed: name };
  },
  deleteAccount: async (event) => {
    const confirmName = String((await event.request.formData()).get('confirmName') ?? '');
    try {
      await api(event, (c) => c.DELETE('/api/account', { body: { confirmName } }));
    } catch (err) {
      return formFailure(err, { confirmName });
    }
    redirect(303, '/');
  },
  revoke: async (event) => {
    const id = String((await event.request.formData()).get('id') ?? '');
    return memberAction(() => api(event, (c) => c.POST('/api/invitations/{id}/revoke', { params: { path: { id } } })), { revoked: id });
  },
  resend: async (event) => {
    const id = String((await event.request.formData()).get('id') ?? '');
    return memberAction(() => api(event, (c) => c.POST('/api/invitations/{id}/resend', { params: { path: { id } } })), { resent: id });
  },
};
