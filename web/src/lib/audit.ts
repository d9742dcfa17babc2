// Audit entries as sentences people read ("changed ana@example.com from viewer to responder").
import type { AuditEntry } from './types';

const text = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

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
    default: return entry.action;
  }
}

/** The families the audit page filters by (`action=member.`). */
export const AUDIT_FAMILIES = [
  { value: '', label: 'Everything' },
  { value: 'member.', label: 'Members and roles' },
  { value: 'invitation.', label: 'Invitations' },
  { value: 'token.', label: 'API tokens' },
  { value: 'account.', label: 'The account' },
] as const;
