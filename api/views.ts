// Response views that several route files answer with: the user and their accounts, members, a job, an audit entry.
import type { AuditEntry } from '../db/audit.ts';
import type { MemberRow } from '../db/invitations.ts';
import type { JobRow } from '../db/jobs.ts';
import type { Sql } from '../db/sql.ts';
import { withUser } from '../db/tenancy.ts';
import { getUserById, listMembershipsOfUser, type MembershipRow, type UserRow } from '../db/users.ts';
import type { AppDeps } from './deps.ts';
import type { Job } from './schemas/jobs.ts';

/** The user as the API shows them to themselves. */
export const userView = (user: Pick<UserRow, 'id' | 'email' | 'name' | 'emailVerifiedAt'>) => ({
  id: user.id,
  email: user.email,
  name: user.name,
  emailVerified: user.emailVerifiedAt !== null,
});

export const membershipView = (m: MembershipRow | undefined) =>
  m ? { accountId: m.accountId, accountName: m.accountName, role: m.role, approver: m.approver } : null;

/** The caller after their accounts changed (joined, left, created, renamed): who they are, `accountId`'s membership, all their accounts. */
export async function meView(sql: Sql, userId: string, accountId: string | null) {
  const user = (await getUserById(sql, userId))!;
  const memberships = await withUser(sql, userId, (tx) => listMembershipsOfUser(tx, userId));
  return {
    user: userView(user),
    account: membershipView(memberships.find((m) => m.accountId === accountId)),
    memberships: memberships.map((m) => membershipView(m)!),
  };
}

export const memberView = (m: MemberRow) => ({ ...m, joinedAt: m.joinedAt.toISOString() });

export function workflowUiUrl(uiUrl: string | undefined, namespace: string, workflowId: string): string | undefined {
  return uiUrl ? `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}` : undefined;
}

/** A job row as the API shows it, with a link to its workflow in the Temporal Web UI. */
export function jobView(row: JobRow, config: AppDeps['config'], namespace: string): Job {
  const temporalUiUrl = workflowUiUrl(config.temporal.uiUrl, namespace, row.workflowId);
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    workflowId: row.workflowId,
    input: row.input,
    result: row.result,
    error: row.error,
    progress: { done: row.progressDone, total: row.progressTotal },
    attempts: row.attempts,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    completedAt: row.completedAt ? row.completedAt.toISOString() : null,
    ...(temporalUiUrl ? { temporalUiUrl } : {}),
  };
}

/** An audit entry: the account's log and a user's own security events show it alike. */
export const auditEntryView = (e: AuditEntry) => ({
  seq: e.seq,
  occurredAt: e.occurredAt.toISOString(),
  action: e.action,
  actor: { userId: e.actorUserId, tokenId: e.actorTokenId, label: e.actorLabel },
  subjectUserId: e.subjectUserId,
  target: e.targetType && e.targetId ? { type: e.targetType, id: e.targetId } : null,
  ip: e.ip,
  requestId: e.requestId,
  details: e.details,
  hash: e.hash,
});
