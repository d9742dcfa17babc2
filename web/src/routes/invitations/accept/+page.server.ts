// Accepting an invitation: what it offers, then sign in or sign up (coming back here), then join.
import { redirect } from '@sveltejs/kit';
import type { Answer } from '#lib/api/index.ts';
import { api, ApiError } from '#lib/server/api.ts';
import type { Actions, PageServerLoad } from './$types';

type Preview = Answer<'/api/invitations/preview', 'post'>;

export const load: PageServerLoad = async (event) => {
  const token = event.url.searchParams.get('token') ?? '';
  let preview: Preview | null = null;
  let problem: string | null = null;
  try {
    preview = await api(event, (c) => c.POST('/api/invitations/preview', { body: { token } }));
  } catch (err) {
    if (!(err instanceof ApiError) || err.status >= 500) throw err;
    problem = 'This invitation link is not valid. Ask for a new one.';
  }
  const here = `/invitations/accept?token=${encodeURIComponent(token)}`;
  return { preview, problem, signedIn: Boolean(event.locals.accessToken), here };
};

export const actions: Actions = {
  default: async (event) => {
    const token = event.url.searchParams.get('token') ?? '';
    try {
      await api(event, (c) => c.POST('/api/invitations/accept', { body: { token } }));
    } catch (err) {
      if (err instanceof ApiError) return { error: err.body.message };
      throw err;
    }
    redirect(303, '/');
  },
};
