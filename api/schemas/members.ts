// Members of an account, invitations to join it, and ownership.
import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';

export const RoleSchema = Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('responder'), Type.Literal('viewer')]);

export const Member = Type.Object({
  userId: Type.String(),
  name: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  approver: Type.Boolean(),
  joinedAt: DateTime,
  emailVerified: Type.Boolean({ description: 'Whether the member confirmed their email address' }),
});

export const Invitation = Type.Object({
  id: Uuid,
  email: Type.String(),
  role: RoleSchema,
  invitedByName: Type.String(),
  createdAt: DateTime,
  expiresAt: DateTime,
});

export const MemberList = Type.Object({ members: Type.Array(Member) });
export const MemberEnvelope = Type.Object({ member: Member });
export const InvitationList = Type.Object({ invitations: Type.Array(Invitation) });
export const InvitationEnvelope = Type.Object({ invitation: Invitation });

export const InviteBody = Type.Object(
  { email: Type.String({ format: 'email', maxLength: 254 }), role: RoleSchema },
  { additionalProperties: false },
);
export const TokenBody = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false });
export const InvitationParams = Type.Object({ id: Uuid }, { additionalProperties: false });
export const MemberParams = Type.Object({ userId: Uuid }, { additionalProperties: false });
export const MemberPatchBody = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    approver: Type.Optional(
      Type.Boolean({ description: 'The approver grant: a responder with it may approve others’ automation runs (owners and admins may by role; viewers never)' }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);
export const RenameBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) }, { additionalProperties: false });
export const DeleteAccountBody = Type.Object(
  { confirmName: Type.String({ maxLength: 100, description: 'The account’s current name, typed by the user' }) },
  { additionalProperties: false },
);
export const TransferBody = Type.Object({ userId: Uuid }, { additionalProperties: false });

export const InvitationPreview = Type.Object({
  accountName: Type.String(),
  email: Type.String(),
  role: RoleSchema,
  invitedByName: Type.String(),
  expiresAt: DateTime,
  status: Type.Union([Type.Literal('open'), Type.Literal('expired'), Type.Literal('used'), Type.Literal('revoked')]),
});
