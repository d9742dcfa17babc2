// The permission matrix: which role may do what. One table, enforced for every route by plugins/authorization.ts
// and rendered in docs/permissions.md (a test keeps the two in step).

export const ROLES = ['owner', 'admin', 'responder', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** Higher rank holds every permission of a lower one; nobody may grant a role above their own. */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, responder: 1, admin: 2, owner: 3 };

export const PERMISSIONS = {
  'jobs:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'See jobs and their progress' },
  'jobs:run': { roles: ['owner', 'admin', 'responder'], summary: 'Start jobs' },
  'jobs:cancel': { roles: ['owner', 'admin', 'responder'], summary: 'Cancel running jobs' },
  'members:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'See the account’s members and their roles' },
  'members:invite': {
    roles: ['owner', 'admin'],
    summary: 'Invite people (up to their own role), see, resend and revoke invitations',
    // Invitations are emails to other people: an unconfirmed sign-up must not turn the platform into a spam relay.
    confirmedEmail: true,
  },
  'members:manage': { roles: ['owner', 'admin'], summary: 'Change members’ roles (up to their own) and remove members (not owners, unless owner)' },
  'account:leave': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'Leave the account (not as its last owner)' },
  'account:transfer': { roles: ['owner'], summary: 'Hand ownership to another member' },
  'tokens:manage': { roles: ['owner', 'admin'], summary: 'Create (up to their own role), list and revoke API tokens' },
  'account:rename': { roles: ['owner', 'admin'], summary: 'Rename the account' },
  'account:delete': { roles: ['owner'], summary: 'Delete the account and everything in it (typing its name to confirm)' },
  'integrations:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'See integrations, their import progress and errors (never their credentials)' },
  'integrations:manage': { roles: ['owner', 'admin'], summary: 'Connect, edit, pause, resume, re-import and delete integrations' },
  'clusters:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'See clusters and their analytics' },
  'clusters:manage': { roles: ['owner', 'admin', 'responder'], summary: 'Recluster, and rename, merge, split clusters or take an incident out of one' },
  'incidents:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'See incidents' },
  'audit:read': { roles: ['owner', 'admin'], summary: 'Read the account’s audit log and verify its hash chain' },
  'views:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'See your saved views and those shared with the account' },
  'views:write': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'Save, edit and delete your own views, and choose your default view of a page' },
  'views:share': { roles: ['owner', 'admin', 'responder'], summary: 'Share your views with the account (and stop sharing them)' },
  'views:manage': { roles: ['owner', 'admin'], summary: 'Edit and delete views others shared with the account' },
  'feedback:create': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'Send feedback about a page' },
  'feedback:read': { roles: ['owner', 'admin'], summary: 'Read the feedback the account’s members sent' },
  'support:create': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'Report a problem (open a support ticket)' },
  'support:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'Follow your own support tickets and their status' },
  'support:manage': { roles: ['owner', 'admin'], summary: 'See every support ticket of the account and change their status' },
  'runbooks:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'See runbooks, their versions and what changed between them' },
  'runbooks:write': { roles: ['owner', 'admin', 'responder'], summary: 'Create, edit (as new versions), import and delete runbooks' },
  'runbooks:generate': { roles: ['owner', 'admin', 'responder'], summary: 'Generate runbook drafts with the model (or from retrieval), refine, edit, rate and save them' },
  'llm:manage': { roles: ['owner', 'admin'], summary: 'Change what the account sends to language models (on/off, fields, redaction patterns) and see what was sent' },
  'automations:read': { roles: ['owner', 'admin', 'responder', 'viewer'], summary: 'See automation targets (never their secrets), runs, their steps and outputs' },
  'automations:run': { roles: ['owner', 'admin', 'responder'], summary: 'Request runs of a runbook on a target (they wait for approval), and cancel runs' },
  'automations:approve': {
    roles: ['owner', 'admin'],
    // A responder approves only when an admin gave their membership the approver grant (`approver: true`).
    grantRoles: ['responder'],
    summary: 'Approve or reject others’ automation runs and their destructive steps',
  },
  'automations:targets': { roles: ['owner', 'admin'], summary: 'Add, edit, verify and delete automation targets (Lambda functions, SSH hosts) and their allow/deny patterns; manage schedules and event rules (auto-run rules: owners and admins, read-only runbooks only)' },
} as const satisfies Record<string, { roles: readonly Role[]; grantRoles?: readonly Role[]; summary: string; confirmedEmail?: true }>;

export type Permission = keyof typeof PERMISSIONS;

/**
 * What a route declares in its options: a permission of the matrix; `signed-in` for routes about the caller
 * themselves (their profile, their accounts, sign-out); or `public` for the few routes anyone may call (health
 * probes, sign-up, sign-in). A route that declares nothing fails at start-up, never silently open.
 */
export type RouteAccess = Permission | 'signed-in' | 'public';

/** Permissions that also need the caller (for an API token: its creator) to have confirmed their email address. */
export function needsConfirmedEmail(permission: Permission): boolean {
  return 'confirmedEmail' in PERMISSIONS[permission];
}

export function can(role: Role, permission: Permission): boolean {
  return (PERMISSIONS[permission].roles as readonly Role[]).includes(role);
}

/** Roles that hold `permission` only with the membership's approver grant. */
export function grantRoles(permission: Permission): readonly Role[] {
  const p = PERMISSIONS[permission];
  return 'grantRoles' in p ? p.grantRoles : [];
}

/** What a member may do: their role's permissions, plus the ones their approver grant adds. */
export function allows(member: { role: Role; approver: boolean }, permission: Permission): boolean {
  return can(member.role, permission) || (member.approver && grantRoles(permission).includes(member.role));
}

/** Whether `granter` may hand out `role` (to an invitee, a member, an API token): never above their own. */
export function mayGrant(granter: Role, role: Role): boolean {
  return ROLE_RANK[role] <= ROLE_RANK[granter];
}

export function isRouteAccess(value: unknown): value is RouteAccess {
  return value === 'public' || value === 'signed-in' || (typeof value === 'string' && value in PERMISSIONS);
}

/** The matrix as a markdown table, as docs/permissions.md shows it (a test compares the two). */
export function renderMatrix(): string {
  const header = `| permission | ${ROLES.join(' | ')} | what it allows |`;
  const rule = `| --- | ${ROLES.map(() => ':-:').join(' | ')} | --- |`;
  const rows = (Object.keys(PERMISSIONS) as Permission[]).map(
    (p) => `| \`${p}\` | ${ROLES.map((r) => (can(r, p) ? '✔' : grantRoles(p).includes(r) ? 'with grant' : '')).join(' | ')} | ${PERMISSIONS[p].summary}${needsConfirmedEmail(p) ? ' (needs a confirmed email address)' : ''} |`,
  );
  return [header, rule, ...rows].join('\n');
}
