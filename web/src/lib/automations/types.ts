// Automation targets, runs and previews as the web shows them, named from the generated schema (#lib/api).
import type { Answer } from '#lib/api/index.ts';
import type { Membership } from '#lib/types.ts';

export type Target = Answer<'/api/automation-targets', 'get'>['targets'][number];
export type LambdaConfig = Extract<Target['config'], { kind: 'lambda' }>;
export type SshConfig = Extract<Target['config'], { kind: 'ssh' }>;
export type Verification = NonNullable<Answer<'/api/automation-targets/{id}/verify', 'post'>['verification']>;

export type Run = Answer<'/api/automation-runs', 'get'>['runs'][number];
export type RunStatus = Run['status'];
export type RunDetail = Answer<'/api/automation-runs/{id}', 'get'>;
export type RunStep = RunDetail['steps'][number];
export type StepStatus = RunStep['status'];
export type Approval = RunDetail['approvals'][number];
export type RunPreview = Answer<'/api/automation-runs/preview', 'post'>;

export const RUN_STATUSES: RunStatus[] = ['awaiting_approval', 'approved', 'running', 'completed', 'failed', 'cancelled', 'rejected', 'expired'];
export const FINAL_RUN_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'rejected', 'expired'];
export const isFinalRun = (status: RunStatus) => FINAL_RUN_STATUSES.includes(status);
export const statusLabel = (status: string) => status.replace('_', ' ');

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
