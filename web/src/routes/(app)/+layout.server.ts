// Every page of the product needs a signed-in user acting for an account: who they are, which account, which others;
// and the theme they chose, for the shell's theme control.
import { redirect } from '@sveltejs/kit';
import { api, ApiError } from '#lib/server/api.ts';
import { parseTheme, THEME_COOKIE } from '#lib/components/shell/theme.ts';
import { clearSession } from '#lib/server/session.ts';
import type { Me } from '#lib/types.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async (event) => {
  const next = encodeURIComponent(event.url.pathname + event.url.search);
  if (!event.locals.accessToken) redirect(303, `/signin?next=${next}`);
  let me: Me;
  try {
    me = await api(event, (c) => c.GET('/api/auth/me'));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      clearSession(event.cookies, event.url);
      redirect(303, `/signin?next=${next}`);
    }
    throw err;
  }
  if (!me.account) redirect(303, '/accounts/new');
  // The Automations badge: runs waiting for an approval this member may give (0 when the API cannot say).
  const { pending } = await api(event, (c) => c.GET('/api/automation-runs/pending-approvals')).catch(() => ({ pending: 0 }));
  return { me, theme: parseTheme(event.cookies.get(THEME_COOKIE)), pendingApprovals: pending };
};
