// The shell's navigation: which sections a role sees and which one the current path belongs to.
import type { Role } from '#lib/types.ts';

export interface NavItem {
  href: string;
  label: string;
  /** Other paths that belong to this section (settings owns members, tokens, profile, ...). */
  also?: string[];
  icon: 'dashboard' | 'incidents' | 'clusters' | 'runbooks' | 'automations' | 'search' | 'integrations' | 'audit' | 'settings' | 'help';
}

export const canAdminister = (role: Role | undefined) => role === 'owner' || role === 'admin';

export function navItems(role: Role | undefined): NavItem[] {
  return [
    { href: '/', label: 'Dashboard', icon: 'dashboard' },
    { href: '/incidents', label: 'Incidents', icon: 'incidents' },
    { href: '/clusters', label: 'Clusters', icon: 'clusters' },
    { href: '/runbooks', label: 'Runbooks', icon: 'runbooks' },
    { href: '/automations', label: 'Automations', icon: 'automations' },
    { href: '/search', label: 'Search', icon: 'search' },
    { href: '/integrations', label: 'Integrations', icon: 'integrations' },
    ...(canAdminister(role) ? [{ href: '/audit', label: 'Audit log', icon: 'audit' } as NavItem] : []),
    { href: '/settings', label: 'Settings', icon: 'settings', also: ['/members', '/tokens', '/profile', '/health', '/jobs', '/feedback'] },
    { href: '/help', label: 'Help', icon: 'help', also: ['/support'] },
  ];
}

const within = (path: string, base: string) => path === base || path.startsWith(`${base}/`);

/** The dashboard is active only on `/` itself; every other section on its path and the paths below it. */
export function isActive(item: NavItem, path: string): boolean {
  if (item.href === '/') return path === '/';
  return within(path, item.href) || (item.also ?? []).some((base) => within(path, base));
}
