// Shapes of the API's responses that pages use (the API's OpenAPI document at /docs/json is the reference).

export type CheckStatus = 'ok' | 'down';

export interface Check {
  status: CheckStatus;
  latencyMs?: number;
  version?: string;
  detail?: string;
  error?: string;
}

export interface Health {
  status: 'ok' | 'degraded';
  checkedAt: string;
  checks: { api: Check; postgres: Check; temporal: Check; worker: Check };
  temporal: { namespace: string; taskQueue: string; uiUrl?: string };
}

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface Job {
  id: string;
  kind: string;
  status: JobStatus;
  workflowId: string;
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  progress: { done: number; total: number };
  attempts: number;
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  temporalUiUrl?: string;
}

export interface JobDetail {
  job: Job;
  workflow: { status: string; runId: string; historyLength: number } | null;
}

export const FINAL_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];
export const isFinal = (status: JobStatus) => FINAL_STATUSES.includes(status);

export interface Membership {
  accountId: string;
  accountName: string;
  role: 'owner' | 'admin' | 'responder' | 'viewer';
  approver: boolean;
}

export interface Me {
  user: { id: string; email: string; name: string; emailVerified: boolean };
  account: Membership | null;
  memberships: Membership[];
}

export type Role = Membership['role'];
export const ROLES: readonly Role[] = ['owner', 'admin', 'responder', 'viewer'];
const RANK: Record<Role, number> = { viewer: 0, responder: 1, admin: 2, owner: 3 };
/** Mirrors the API's rule, to offer only what it would accept (the API decides). */
export const rolesGrantableBy = (role: Role): Role[] => ROLES.filter((r) => RANK[r] <= RANK[role]);
export const outranks = (a: Role, b: Role) => RANK[a] > RANK[b];

export interface Member {
  userId: string;
  name: string;
  email: string;
  role: Role;
  approver: boolean;
  joinedAt: string;
  emailVerified: boolean;
}

export interface Invitation {
  id: string;
  email: string;
  role: Role;
  invitedByName: string;
  createdAt: string;
  expiresAt: string;
}

export interface ApiToken {
  id: string;
  name: string;
  role: Role;
  createdBy: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface AuditEntry {
  seq: number;
  occurredAt: string;
  action: string;
  actor: { userId: string | null; tokenId: string | null; label: string };
  subjectUserId: string | null;
  target: { type: string; id: string } | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  /** The clusters the entry names, by their names now (null: no longer exists). */
  patterns?: { id: string; name: string | null }[];
  hash: string;
}

export interface AuditVerification {
  valid: boolean;
  entries: number;
  headHash: string | null;
  firstBroken?: { seq: number; reason: 'content_changed' | 'link_broken' | 'gap' | 'head_mismatch' };
  checkedAt: string;
}

export type IntegrationKind = 'pagerduty' | 'opsgenie' | 'alertmanager' | 'webhook' | 'csv';

export const INTEGRATION_KINDS: { kind: IntegrationKind; label: string; hasApi: boolean }[] = [
  { kind: 'pagerduty', label: 'PagerDuty', hasApi: true },
  { kind: 'opsgenie', label: 'Opsgenie', hasApi: true },
  { kind: 'alertmanager', label: 'Prometheus Alertmanager', hasApi: false },
  { kind: 'webhook', label: 'Any tool (JSON webhook)', hasApi: false },
  { kind: 'csv', label: 'CSV upload', hasApi: false },
];

export const kindLabel = (kind: string) => INTEGRATION_KINDS.find((k) => k.kind === kind)?.label ?? kind;

export interface Integration {
  id: string;
  kind: IntegrationKind;
  name: string;
  status: 'active' | 'paused' | 'error';
  error: string | null;
  errorAt: string | null;
  settings: {
    filters?: { services?: string[]; teams?: string[]; urgencies?: string[]; priorities?: string[]; statuses?: string[] };
    drop?: string[];
    history?: { since?: string; until?: string; days?: number };
  };
  syncIntervalMinutes: number;
  watermark: string | null;
  lastSyncedAt: string | null;
  hasCredentials: boolean;
  webhook: { url: string; auth: string; configured: boolean };
  incidents: number;
  backfill: Job | null;
  createdAt: string;
  updatedAt: string;
}

export interface ImportChoices {
  services: { id: string; name: string }[];
  teams: { id: string; name: string }[];
  priorities: { id: string; name: string }[];
  urgencies: string[];
}

