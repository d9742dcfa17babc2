// API tokens for machines.
import { Type } from 'typebox';
import { DateTime, Uuid } from './common.ts';
import { RoleSchema } from './members.ts';

export const ApiToken = Type.Object({
  id: Uuid,
  name: Type.String(),
  role: RoleSchema,
  createdBy: Type.String(),
  createdAt: DateTime,
  lastUsedAt: Type.Union([DateTime, Type.Null()]),
  revokedAt: Type.Union([DateTime, Type.Null()]),
});

export const ApiTokenList = Type.Object({ tokens: Type.Array(ApiToken) });
export const CreateApiTokenBody = Type.Object(
  { name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }), role: RoleSchema },
  { additionalProperties: false },
);
export const CreatedApiToken = Type.Object({
  token: Type.String({ description: 'Shown this once: send as `Authorization: Bearer <token>`' }),
  apiToken: ApiToken,
});
export const ApiTokenParams = Type.Object({ id: Uuid }, { additionalProperties: false });
