// Members of an account: their roles and approver grants.
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

export const MemberList = Type.Object({ members: Type.Array(Member) });
export const MemberEnvelope = Type.Object({ member: Member });

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
