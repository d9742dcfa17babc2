// A user's own security events: entries of the audit log about them.
import { Type } from 'typebox';
import { AuditEntry } from './audit.ts';

export const SecurityEvents = Type.Object({ events: Type.Array(AuditEntry) });
