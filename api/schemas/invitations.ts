// Invitations to join an account: sent by email with a role, accepted once with an expiring link.
import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';
import { RoleSchema } from './members.ts';

export const Invitation = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: RoleSchema,
  invitedByName: Type.String(),
  createdAt: DateTime,
  expiresAt: DateTime,
});

export const InvitationList = Type.Object({ invitations: Type.Array(Invitation) });
export const InvitationEnvelope = Type.Object({ invitation: Invitation });

export const InviteBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: RoleSchema },
  { additionalProperties: false },
);
export const TokenBody = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false });
export const InvitationParams = Type.Object({ id: Uuid }, { additionalProperties: false });

export const InvitationPreview = Type.Object({
  accountName: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  invitedByName: Type.String(),
  expiresAt: DateTime,
  status: Type.Union([Type.Literal('open'), Type.Literal('expired'), Type.Literal('used'), Type.Literal('revoked')]),
});
