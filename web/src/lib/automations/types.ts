// Automation targets, runs and previews as the web shows them (the API's answers: docs/api.md#automations).
import type { Membership } from '$lib/types';

export type RunStatus = 'awaiting_approval' | 'approved' | 'running' | 'completed' | 'failed' | 'cancelled' | 'rejected' | 'expired';
export const RUN_STATUSES: RunStatus[] = ['awaiting_approval', 'approved', 'running', 'completed', 'failed', 'cancelled', 'rejected', 'expired'];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'rejected', 'expired'];
export const isFinalRun = (status: RunStatus) => FINAL_RUN_STATUSES.includes(status);
export const statusLabel = (status: string) => status.replace('_', ' ');

export interface LambdaConfig {
  kind: 'lambda';
  region: string;
  functionName: string;
  roleArn?: string;
  externalId?: string;
  endpoint?: string;
}
export interface SshConfig {
  kind: 'ssh';
  host: string;
  port: number;
  username: string;
  hostKeyFingerprint: string;
}

export interface Target {
  id: string;
  kind: 'lambda' | 'ssh';
  name: string;
  config: LambdaConfig | SshConfig;
  hasSecrets: boolean;
  allowPatterns: string[];
  denyPatterns: string[];
  requiredApprovals: number;
  verifiedAt: string | null;
  verifiedIdentity: string | null;
  verifyError: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface Verification {
  ok: boolean;
  identity?: string;
  errorKind?: string;
  error?: string;
}

export interface Run {
  id: string;
  runbookId: string;
  runbookVersion: number;
  runbookTitle: string;
  targetId: string;
  targetName: string;
  requestedBy: string | null;
  trigger: string;
  incidentId: string | null;
  status: RunStatus;
  dryRun: boolean;
  requiredApprovals: number;
  expiresAt: string;
  workflowId: string;
  summary: Record<string, unknown>;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** In lists only: the caller already approved or rejected the run. */
  decidedByMe?: boolean;
  /** In lists only: the destructive step that waits for its own approval now. */
  awaitingStep?: number | null;
}

export type StepStatus = 'pending' | 'skipped' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunStep {
  index: number;
  title: string;
  command: string;
  risk: string;
  destructive: boolean;
  deniedReason: string | null;
  status: StepStatus;
  stdout: string | null;
  stderr: string | null;
  exitCode: number | null;
  truncated: boolean;
  alreadyRan: boolean;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface Approval {
  stepIndex: number | null;
  userId: string;
  decision: 'approve' | 'reject';
  comment: string | null;
  createdAt: string;
}

export interface RunDetail {
  run: Run;
  steps: RunStep[];
  approvals: Approval[];
  /** The destructive step that waits for its own approval now (the API works it out). */
  awaitingStep: number | null;
}

export interface RunPreview {
  runbookId: string;
  version: number;
  targetId: string;
  requiredApprovals: number;
  steps: { index: number; title: string; command: string; risk: string; destructive: boolean; allowed: boolean; reason: string | null; needsOwnApproval: boolean }[];
}

/** Mirrors analysis/runbooks/automation-policy.ts mayApprove (the workflow decides; this only hides buttons that would fail). */
export const mayApprove = (account: Membership | null | undefined) =>
  !!account && (account.role === 'owner' || account.role === 'admin' || (account.role === 'responder' && account.approver));

export const mayRun = (account: Membership | null | undefined) => !!account && account.role !== 'viewer';
export const mayManageTargets = (account: Membership | null | undefined) => !!account && (account.role === 'owner' || account.role === 'admin');

/** The destructive step that waits for its own approval now, as the API says. */
export function awaitingStep(detail: RunDetail): RunStep | null {
  return detail.awaitingStep === null ? null : (detail.steps.find((s) => s.index === detail.awaitingStep) ?? null);
}

/** "1 min 5 s" from two instants (or from one to now). */
export function elapsed(from: string | null, to: string | null, now = Date.now()): string {
  if (!from) return '—';
  const ms = (to ? Date.parse(to) : now) - Date.parse(from);
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** People by user id, for names where the API gives ids (members the caller may read). */
export type People = Record<string, { name: string; email: string }>;
export const personName = (people: People, id: string | null, me?: string) =>
  id === null ? 'a deleted user' : id === me ? 'you' : people[id]?.name || people[id]?.email || 'a former member';
