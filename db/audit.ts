// The audit log (migration 0007): appending entries in the transaction of what they record, reading them, and
// verifying that each chain is unbroken.
import { TENANT_ROLE } from './tenancy.ts';
import type { Sql, TransactionSql } from './sql.ts';

/** Every kind of entry; the part before the dot names what it is about. */
export const AUDIT_ACTIONS = [
  'user.signed_up',
  'user.signed_in',
  'user.sign_in_failed',
  'user.sign_in_locked',
  'user.signed_out',
  'user.password_changed',
  'user.password_reset',
  'user.email_verified',
  'session.refresh_reused',
  'account.created',
  'account.renamed',
  'account.deleted',
  'account.ownership_transferred',
  'invitation.created',
  'invitation.resent',
  'invitation.revoked',
  'invitation.accepted',
  'member.role_changed',
  'member.approver_granted',
  'member.approver_revoked',
  'member.removed',
  'member.left',
  'token.created',
  'token.revoked',
  'integration.created',
  'integration.updated',
  'integration.secret_rotated',
  'integration.paused',
  'integration.resumed',
  'integration.deleted',
  'cluster.feedback',
  'integration.imported',
  'view.shared',
  'view.unshared',
  'view.deleted',
  'support.ticket_created',
  'support.ticket_updated',
  'runbook.created',
  'runbook.updated',
  'runbook.deleted',
  'runbook.imported',
  'runbook.reindex_started',
  'runbook_draft.saved',
  'runbook.rated',
  'llm_settings.updated',
  'automation_target.created',
  'automation_target.updated',
  'automation_target.deleted',
  'automation_target.verified',
  'automation_run.requested',
  'automation_run.approved',
  'automation_run.rejected',
  'automation_run.started',
  'automation_run.step_ran',
  'automation_run.cancel_requested',
  'automation_run.cancelled',
  'automation_run.completed',
  'automation_run.failed',
  'automation_run.expired',
  'automation_schedule.created',
  'automation_schedule.updated',
  'automation_schedule.paused',
  'automation_schedule.resumed',
  'automation_schedule.deleted',
  'automation_schedule.skipped',
  'automation_rule.created',
  'automation_rule.updated',
  'automation_rule.deleted',
  'automation_rule.skipped',
  'audit.exported',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** Who acted, as the API saw them. */
export interface AuditActor {
  userId: string | null;
  tokenId?: string | null;
  /** A readable name that stays true after the user or token is gone: an email, or `API token “name”`. */
  label: string;
  ip?: string | null;
  requestId?: string | null;
}

export interface AuditEntryInput {
  action: AuditAction;
  actor: AuditActor;
  subjectUserId?: string | null;
  target?: { type: string; id: string };
  /** Small, non-secret facts (roles before and after, the invited email); never tokens or passwords. */
  details?: Record<string, unknown>;
}

export interface AuditEntry {
  seq: number;
  occurredAt: Date;
  action: AuditAction;
  actorUserId: string | null;
  actorTokenId: string | null;
  actorLabel: string;
  subjectUserId: string | null;
  targetType: string | null;
  targetId: string | null;
  ip: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
  hash: string;
}

const values = (accountId: string | null, e: AuditEntryInput) => ({
  account_id: accountId,
  actor_user_id: e.actor.userId,
  actor_token_id: e.actor.tokenId ?? null,
  actor_label: e.actor.label,
  subject_user_id: e.subjectUserId ?? null,
  action: e.action,
  target_type: e.target?.type ?? null,
  target_id: e.target?.id ?? null,
  ip: e.actor.ip ?? null,
  request_id: e.actor.requestId ?? null,
  details: e.details ?? {},
});

/**
 * Appends an entry to the account's chain inside the tenant transaction that makes the change, so the change and
 * its record commit (or roll back) together.
 */
export async function appendAudit(tx: TransactionSql, accountId: string, entry: AuditEntryInput): Promise<void> {
  const v = values(accountId, entry);
  await tx`
    insert into audit_log (account_id, actor_user_id, actor_token_id, actor_label, subject_user_id, action, target_type, target_id, ip, request_id, details)
    values (${v.account_id}, ${v.actor_user_id}, ${v.actor_token_id}, ${v.actor_label}, ${v.subject_user_id}, ${v.action},
            ${v.target_type}, ${v.target_id}, ${v.ip}, ${v.request_id}, ${tx.json(v.details as never)})`;
}

/**
 * Appends a platform event (about a user, outside any account: sign-ins, password changes) in a transaction of its
 * own, as the application role, which may write such entries only when the transaction says so.
 */
export async function appendPlatformAudit(sql: Sql | TransactionSql, entry: AuditEntryInput): Promise<void> {
  const v = values(null, entry);
  const write = async (tx: TransactionSql) => {
    await tx`
      select set_config('app.account_id', '', true), set_config('app.user_id', '', true),
             set_config('app.audit_platform', 'on', true), set_config('role', ${TENANT_ROLE}, true)`;
    // No `returning`: the application role may not read platform entries outside the subject's own transaction.
    await tx`
      insert into audit_log (account_id, actor_user_id, actor_token_id, actor_label, subject_user_id, action, target_type, target_id, ip, request_id, details)
      values (null, ${v.actor_user_id}, ${v.actor_token_id}, ${v.actor_label}, ${v.subject_user_id}, ${v.action},
              ${v.target_type}, ${v.target_id}, ${v.ip}, ${v.request_id}, ${tx.json(v.details as never)})`;
  };
  // Inside a caller's transaction a savepoint keeps the settings and the role switch from leaking into it.
  if ('savepoint' in sql) await sql.savepoint(write);
  else await sql.begin(write);
}

const entryColumns = (tx: TransactionSql) => tx`
  seq::int as seq, occurred_at as "occurredAt", action, actor_user_id as "actorUserId", actor_token_id as "actorTokenId",
  actor_label as "actorLabel", subject_user_id as "subjectUserId", target_type as "targetType", target_id as "targetId",
  ip, request_id as "requestId", details, encode(hash, 'hex') as hash`;

export interface AuditFilter {
  /** Entries older than this sequence number (keyset pagination, newest first). */
  beforeSeq?: number;
  limit: number;
  action?: string;
  actorUserId?: string;
}

/** An account's entries, newest first. */
export async function listAccountAudit(tx: TransactionSql, accountId: string, filter: AuditFilter): Promise<AuditEntry[]> {
  return tx<AuditEntry[]>`
    select ${entryColumns(tx)} from audit_log
    where account_id = ${accountId}
      ${filter.beforeSeq !== undefined ? tx`and seq < ${filter.beforeSeq}` : tx``}
      ${filter.action ? (filter.action.endsWith('.') ? tx`and starts_with(action, ${filter.action})` : tx`and action = ${filter.action}`) : tx``}
      ${filter.actorUserId ? tx`and actor_user_id = ${filter.actorUserId}` : tx``}
    order by seq desc limit ${filter.limit}`;
}

export interface AuditExportEntry extends AuditEntry {
  /** The previous entry's hash (hex; 64 zeros for the first): an export can be checked link by link offline. */
  prevHash: string;
}

/** An account's entries oldest first, after `afterSeq`, a batch at a time (the export walks the chain with it). */
export async function auditEntriesAfter(
  tx: TransactionSql,
  accountId: string,
  afterSeq: number,
  filter: { limit: number; action?: string | undefined; from?: Date | undefined; to?: Date | undefined },
): Promise<AuditExportEntry[]> {
  return tx<AuditExportEntry[]>`
    select ${entryColumns(tx)}, encode(prev_hash, 'hex') as "prevHash" from audit_log
    where account_id = ${accountId} and seq > ${afterSeq}
      ${filter.action ? (filter.action.endsWith('.') ? tx`and starts_with(action, ${filter.action})` : tx`and action = ${filter.action}`) : tx``}
      ${filter.from ? tx`and occurred_at >= ${filter.from}` : tx``}
      ${filter.to ? tx`and occurred_at < ${filter.to}` : tx``}
    order by seq limit ${filter.limit}`;
}

/** A user's own platform events (sign-ins, failed sign-ins, password changes), newest first. */
export async function listUserSecurityEvents(tx: TransactionSql, userId: string, limit: number): Promise<AuditEntry[]> {
  return tx<AuditEntry[]>`
    select ${entryColumns(tx)} from audit_log
    where account_id is null and subject_user_id = ${userId}
    order by occurred_at desc, seq desc limit ${limit}`;
}

export interface ChainVerification {
  /** True when every entry's hash matches its content and its predecessor, and the head matches the last entry. */
  valid: boolean;
  entries: number;
  /** The last entry's hash: keep it somewhere else to detect a rewrite of the whole chain later. */
  headHash: string | null;
  /** The first entry that does not fit, and why. */
  firstBroken?: { seq: number; reason: 'content_changed' | 'link_broken' | 'gap' | 'head_mismatch' };
}

const GENESIS = '0'.repeat(64);
const VERIFY_BATCH = 2000;

/**
 * Recomputes an account's chain from its first entry, in batches: each entry's hash must match its content, each
 * must point at its predecessor, numbers must have no gaps, and the chain's head must be its last entry.
 */
export async function verifyAccountChain(tx: TransactionSql, accountId: string): Promise<ChainVerification> {
  let prevHash = GENESIS;
  let expectedSeq = 1;
  let entries = 0;
  for (;;) {
    const rows = await tx<{ seq: number; hash: string; prevHash: string; recomputed: string }[]>`
      select a.seq::int as seq, encode(a.hash, 'hex') as hash, encode(a.prev_hash, 'hex') as "prevHash",
             encode(audit_entry_hash(a), 'hex') as recomputed
      from audit_log a
      where a.account_id = ${accountId} and a.seq >= ${expectedSeq}
      order by a.seq limit ${VERIFY_BATCH}`;
    for (const row of rows) {
      const broken = (reason: NonNullable<ChainVerification['firstBroken']>['reason']): ChainVerification => ({
        valid: false,
        entries,
        headHash: null,
        firstBroken: { seq: row.seq, reason },
      });
      if (row.seq !== expectedSeq) return broken('gap');
      if (row.prevHash !== prevHash) return broken('link_broken');
      if (row.recomputed !== row.hash) return broken('content_changed');
      prevHash = row.hash;
      expectedSeq += 1;
      entries += 1;
    }
    if (rows.length < VERIFY_BATCH) break;
  }
  const head = await chainHead(tx, accountId);
  if (head ? head.seq !== entries || head.hash !== prevHash : entries > 0) {
    return { valid: false, entries, headHash: null, firstBroken: { seq: entries + 1, reason: 'head_mismatch' } };
  }
  return { valid: true, entries, headHash: entries ? prevHash : null };
}

/** The chain's head as the append trigger left it (read through a definer function: the table is not granted). */
async function chainHead(tx: TransactionSql, chain: string): Promise<{ seq: number; hash: string } | undefined> {
  const [row] = await tx<[{ seq: number | null; hash: string | null }]>`select seq::int as seq, encode(hash, 'hex') as hash from audit_chain_head(${chain})`;
  return row?.seq === null || row?.seq === undefined ? undefined : { seq: row.seq, hash: row.hash! };
}
