// Sign-up, sign-in, sessions, and the caller's own view of their accounts.
import { Type, type Static } from 'typebox';

export const Email = Type.String({ format: 'email', maxLength: 254, description: 'Compared case-insensitively' });
export const Password = Type.String({ minLength: 1, maxLength: 256, description: 'At least 12 characters; never logged' });
export const Name = Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' });

export const SignUpBody = Type.Object(
  { email: Email, password: Password, name: Name, accountName: Type.Optional(Name) },
  { additionalProperties: false },
);
export type SignUpBody = Static<typeof SignUpBody>;

export const SignInBody = Type.Object({ email: Email, password: Password }, { additionalProperties: false });
export type SignInBody = Static<typeof SignInBody>;

export const User = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.String(),
  emailVerified: Type.Boolean({ description: 'Whether the user confirmed their address (inviting people needs it)' }),
});

export const Membership = Type.Object({
  accountId: Type.String(),
  accountName: Type.String(),
  role: Type.Union([Type.Literal('owner'), Type.Literal('admin'), Type.Literal('responder'), Type.Literal('viewer')]),
  approver: Type.Boolean(),
});

export const TokenResponse = Type.Object({
  accessToken: Type.String({ description: 'Send as `Authorization: Bearer <token>`; expires after `expiresIn` seconds' }),
  expiresIn: Type.Integer(),
  user: User,
  account: Type.Union([Membership, Type.Null()], { description: 'The account the session acts for' }),
});

export const MeResponse = Type.Object({
  user: User,
  account: Type.Union([Membership, Type.Null()]),
  memberships: Type.Array(Membership),
});

export const SwitchAccountBody = Type.Object({ accountId: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
