// The shell's API shapes, named from the generated schema (#lib/api), and what pages derive from them.
import type { Answer } from '#lib/api/index.ts';

export type Health = Answer<'/api/health', 'get'>;
export type Check = Health['checks']['api'];
export type CheckStatus = Check['status'];

export type JobDetail = Answer<'/api/jobs/{id}', 'get'>;
export type Job = JobDetail['job'];
export type JobStatus = Job['status'];

export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isFinal = (status: JobStatus) => FINAL_STATUSES.includes(status);

export type Me = Answer<'/api/auth/me', 'get'>;
export type Membership = Me['memberships'][number];

export type Role = Membership['role'];
export const ROLES: readonly Role[] = ['owner', 'admin', 'responder', 'viewer'];
const RANK: Record<Role, number> = { viewer: 0, responder: 1, admin: 2, owner: 3 };
/** Mirrors the API's rule, to offer only what it would accept (the API decides). */
export const rolesGrantableBy = (role: Role): Role[] => ROLES.filter((r) => RANK[r] <= RANK[role]);
export const outranks = (a: Role, b: Role) => RANK[a] > RANK[b];

export type Member = Answer<'/api/members', 'get'>['members'][number];
export type Invitation = Answer<'/api/invitations', 'get'>['invitations'][number];
export type ApiToken = Answer<'/api/tokens', 'get'>['tokens'][number];
export type AuditEntry = Answer<'/api/audit', 'get'>['entries'][number];
export type AuditVerification = Answer<'/api/audit/verify', 'get'>;

export type Integration = Answer<'/api/integrations/{id}', 'get'>['integration'];
export type IntegrationKind = Integration['kind'];
export type ImportChoices = Answer<'/api/integrations/verify', 'post'>['choices'];

export const INTEGRATION_KINDS: { kind: IntegrationKind; label: string; hasApi: boolean }[] = [
  { kind: 'pagerduty', label: 'PagerDuty', hasApi: true },
  { kind: 'opsgenie', label: 'Opsgenie', hasApi: true },
  { kind: 'alertmanager', label: 'Prometheus Alertmanager', hasApi: false },
  { kind: 'webhook', label: 'Any tool (JSON webhook)', hasApi: false },
  { kind: 'csv', label: 'CSV upload', hasApi: false },
];

export const kindLabel = (kind: string) => INTEGRATION_KINDS.find((k) => k.kind === kind)?.label ?? kind;
