// Audit entries as sentences people read ("changed ana@example.com from viewer to responder").
import { GONE_PATTERN, patternHref, readableLabel } from './patterns/names';
import type { AuditEntry } from './types';

const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

/** A cluster the entry names, by its name now ("the pattern “High CPU on {host}”"), never by id. */
function pattern(entry: AuditEntry, id: unknown): string {
  const name = typeof id === 'string' ? entry.patterns?.find((p) => p.id === id)?.name : null;
  return name ? `the pattern “${readableLabel(name)}”` : GONE_PATTERN;
}

function feedback(entry: AuditEntry): string {
  const d = entry.details;
  const subject = pattern(entry, entry.target?.id);
  switch (d.kind) {
    case 'rename': return `named a pattern “${text(d.name)}”`;
    case 'merge': return `merged ${subject} into ${pattern(entry, d.intoClusterId)}`;
    case 'split': return `split ${subject} by “${readableLabel(text(d.template))}”${d.name ? ` as “${text(d.name)}”` : ''}`;
    case 'not-this-pattern': return `took an incident out of ${subject}`;
    default: return `gave feedback on ${subject}`;
  }
}

/** What happened, without the actor (shown beside it). */
export function describeAuditEntry(entry: AuditEntry): string {
  const d = entry.details;
  switch (entry.action) {
    case 'user.signed_up': return 'signed up';
    case 'user.signed_in': return 'signed in';
    case 'user.sign_in_failed': return d.reason === 'unknown_email' ? 'failed to sign in (unknown address)' : 'failed to sign in (wrong password)';
    case 'user.sign_in_locked': return 'was refused: too many failed sign-ins';
    case 'user.signed_out': return 'signed out';
    case 'user.password_changed': return 'changed the password (other sessions ended)';
    case 'user.password_reset': return 'reset the password by emailed link (all sessions ended)';
    case 'user.email_verified': return 'confirmed the email address';
    case 'session.refresh_reused': return 'presented a used refresh token: the session was ended';
    case 'account.created': return `created the account “${text(d.name)}”`;
    case 'account.renamed': return `renamed the account from “${text(d.from)}” to “${text(d.to)}”`;
    case 'account.deleted': return `deleted the account “${text(d.name)}”`;
    case 'account.ownership_transferred': return `made ${text(d.to)} the owner`;
    case 'invitation.created': return `invited ${text(d.email)} as ${text(d.role)}`;
    case 'invitation.resent': return `resent the invitation to ${text(d.email)}`;
    case 'invitation.revoked': return `revoked the invitation to ${text(d.email)}`;
    case 'invitation.accepted': return `joined as ${text(d.role)}`;
    case 'member.role_changed': return `changed ${text(d.email)} from ${text(d.from)} to ${text(d.to)}`;
    case 'member.approver_granted': return `gave ${text(d.email)} the approver grant`;
    case 'member.approver_revoked': return `took the approver grant from ${text(d.email)}`;
    case 'member.removed': return `removed ${text(d.email)} (${text(d.role)})`;
    case 'member.left': return `left the account (was ${text(d.role)})`;
    case 'token.created': return `created the API token “${text(d.name)}” (${text(d.role)})`;
    case 'token.revoked': return `revoked the API token “${text(d.name)}”`;
    case 'automation_run.requested': {
      const why = d.trigger === 'event' ? ` for ${d.reason === 'reopened' ? 'a re-opened' : 'a new'} incident${d.autoRun ? ', auto-run without approval' : ''}` : '';
      return `requested a ${d.dryRun ? 'dry run' : 'run'} of a runbook (version ${text(d.runbookVersion)})${why}${Array.isArray(d.denied) && d.denied.length ? `; ${d.denied.length} step(s) denied by policy` : ''}${d.autoRunRefused ? ` (${text(d.autoRunRefused)})` : ''}`;
    }
    case 'automation_run.approved': return `approved ${typeof d.stepIndex === 'number' ? `step ${d.stepIndex + 1} of ` : ''}a run${d.comment ? `: “${text(d.comment)}”` : ''}`;
    case 'automation_run.rejected': return `rejected ${typeof d.stepIndex === 'number' ? `step ${d.stepIndex + 1} of ` : ''}a run${d.comment ? `: “${text(d.comment)}”` : ''}`;
    case 'automation_run.started': return 'started running the approved steps';
    case 'automation_run.step_ran': return `ran step ${typeof d.stepIndex === 'number' ? d.stepIndex + 1 : '?'}: ${text(d.status)}${typeof d.exitCode === 'number' ? ` (exit ${d.exitCode})` : ''}${d.denied ? ` (denied: ${text(d.denied)})` : ''}`;
    case 'automation_run.cancel_requested': return 'asked to cancel a run';
    case 'automation_run.cancelled': {
      const request = d.cancelRequest as { identity?: string; reason?: string } | undefined;
      return `cancelled a run${request ? ` (${request.reason || `through Temporal by ${text(request.identity)}`})` : ''}`;
    }
    case 'automation_run.completed': return 'finished a run';
    case 'automation_run.failed': return 'ended a run as failed';
    case 'automation_run.expired': return 'ended a run: nobody approved it in time, nothing ran';
    case 'automation_target.created': return `added the ${text(d.kind)} target “${text(d.name)}”`;
    case 'automation_target.updated': return 'changed an automation target';
    case 'automation_target.deleted': return 'deleted an automation target';
    case 'automation_target.verified': return d.ok ? `verified a target as ${text(d.identity)}` : `could not verify a target (${text(d.errorKind)})`;
    case 'automation_schedule.created': return `scheduled “${text(d.name)}” (${Array.isArray(d.cron) ? d.cron.join(', ') : text(d.cron)}, ${text(d.timeZone)})`;
    case 'automation_schedule.updated': return 'changed a schedule';
    case 'automation_schedule.paused': return `paused the schedule “${text(d.name)}”`;
    case 'automation_schedule.resumed': return `resumed the schedule “${text(d.name)}”`;
    case 'automation_schedule.deleted': return `deleted the schedule “${text(d.name)}”`;
    case 'automation_schedule.skipped': return `started no run: ${text(d.reason)}`;
    case 'automation_rule.created': {
      const clusters = Array.isArray(d.clusterIds) ? d.clusterIds.map((id) => pattern(entry, id)) : [];
      return `added the event rule “${text(d.name)}”${clusters.length ? ` for ${clusters.join(' or ')}` : ''}${d.autoRun ? ' (auto-run)' : ''}`;
    }
    case 'cluster.feedback': return feedback(entry);
    case 'automation_rule.updated': return `changed an event rule${d.autoRun ? ' (auto-run on)' : ''}`;
    case 'automation_rule.deleted': return `deleted the event rule “${text(d.name)}”`;
    case 'automation_rule.skipped': return `started no run: ${text(d.reason)}`;
    case 'audit.exported': return `exported the audit log as ${text(d.format).toUpperCase()}${d.action ? ` (${text(d.action)})` : ''}`;
    default: return entry.action;
  }
}

/** Where an entry's subject lives in the product, when it has a page. */
export function auditTargetHref(entry: AuditEntry): string | null {
  if (!entry.target) return null;
  const id = encodeURIComponent(entry.target.id);
  switch (entry.target.type) {
    case 'automation_run': return `/automations/runs/${id}`;
    case 'automation_schedule': return '/automations/schedules';
    case 'automation_rule': return '/automations/rules';
    case 'automation_target': return '/automations/targets';
    case 'runbook': return `/runbooks/${id}`;
    case 'cluster': return entry.patterns?.some((p) => p.id === entry.target!.id && p.name !== null) ? patternHref(entry.target.id) : null;
    case 'integration': return `/integrations/${id}`;
    default: return null;
  }
}

/** The families the audit page filters by (`action=member.`). */
export const AUDIT_FAMILIES = [
  { value: '', label: 'Everything' },
  { value: 'member.', label: 'Members and roles' },
  { value: 'invitation.', label: 'Invitations' },
  { value: 'token.', label: 'API tokens' },
  { value: 'account.', label: 'The account' },
  { value: 'automation_run.', label: 'Automation runs' },
  { value: 'automation_target.', label: 'Automation targets' },
  { value: 'automation_schedule.', label: 'Automation schedules' },
  { value: 'automation_rule.', label: 'Automation event rules' },
  { value: 'integration.', label: 'Integrations' },
  { value: 'runbook.', label: 'Runbooks' },
  { value: 'cluster.', label: 'Clusters' },
  { value: 'audit.', label: 'Audit exports' },
] as const;
