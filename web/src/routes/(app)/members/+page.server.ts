// Members of the account: who has which role, invitations, and (for owners and admins) managing both.
import { fail, redirect } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import { formFailure } from '#lib/server/forms.ts';
import type { Invitation, Member } from '#lib/types.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async (event) => {
  const { me } = await event.parent();
  const canManage = me.account?.role === 'owner' || me.account?.role === 'admin';
  const [{ members }, invitations] = await Promise.all([
    api<{ members: Member[] }>(event, '/api/members'),
    canManage ? api<{ invitations: Invitation[] }>(event, '/api/invitations').then((r) => r.invitations) : Promise.resolve([] as Invitation[]),
  ]);
  return { members, invitations, canManage };
};

async function post(event: Parameters<Actions[string]>[0], path: string, body?: unknown, method: 'POST' | 'PATCH' | 'DELETE' = 'POST') {
  await api(event, path, { method, ...(body === undefined ? {} : { body }) });
}

/** A row action: its success value, or the API's refusal shown above the members table. */
async function memberAction<T>(run: () => Promise<void>, done: T, userId?: string) {
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
      await post(event, '/api/invitations', values);
    } catch (err) {
      return formFailure(err, values);
    }
    return { invited: values.email };
  },
  role: async (event) => {
    const form = await event.request.formData();
    const userId = String(form.get('userId') ?? '');
    return memberAction(() => post(event, `/api/members/${encodeURIComponent(userId)}`, { role: String(form.get('role') ?? '') }, 'PATCH'), { updated: userId }, userId);
  },
  approver: async (event) => {
    const form = await event.request.formData();
    const userId = String(form.get('userId') ?? '');
    return memberAction(() => post(event, `/api/members/${encodeURIComponent(userId)}`, { approver: form.get('approver') === 'true' }, 'PATCH'), { updated: userId }, userId);
  },
  remove: async (event) => {
    const userId = String((await event.request.formData()).get('userId') ?? '');
    return memberAction(() => post(event, `/api/members/${encodeURIComponent(userId)}`, undefined, 'DELETE'), { removed: userId }, userId);
  },
  rename: async (event) => {
    const name = String((await event.request.formData()).get('name') ?? '');
    try {
      await post(event, '/api/account', { name }, 'PATCH');
    } catch (err) {
      return formFailure(err, { name });
    }
    return { renamed: name };
  },
  deleteAccount: async (event) => {
    const confirmName = String((await event.request.formData()).get('confirmName') ?? '');
    try {
      await post(event, '/api/account', { confirmName }, 'DELETE');
    } catch (err) {
      return formFailure(err, { confirmName });
    }
    redirect(303, '/');
  },
  revoke: async (event) => {
    const id = String((await event.request.formData()).get('id') ?? '');
    return memberAction(() => post(event, `/api/invitations/${encodeURIComponent(id)}/revoke`), { revoked: id });
  },
  resend: async (event) => {
    const id = String((await event.request.formData()).get('id') ?? '');
    return memberAction(() => post(event, `/api/invitations/${encodeURIComponent(id)}/resend`), { resent: id });
  },
};
