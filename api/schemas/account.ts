// The current account: rename it, delete it, leave it, hand over its ownership.
import { Type } from 'typebox';
import { Uuid } from './common.ts';

export const RenameBody = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100, pattern: '\\S' }) }, { additionalProperties: false });
export const DeleteAccountBody = Type.Object(
  { confirmName: Type.String({ maxLength: 100, description: 'The account’s current name, typed by the user' }) },
  { additionalProperties: false },
);
export const TransferBody = Type.Object({ userId: Uuid }, { additionalProperties: false });
