// Changing a password, and resetting a forgotten one with an emailed link.
import { Type } from 'typebox';
import { Email, Password } from './auth.ts';

export const ChangePasswordBody = Type.Object({ currentPassword: Password, newPassword: Password }, { additionalProperties: false });
export const ResetRequestBody = Type.Object({ email: Email }, { additionalProperties: false });
export const ResetConfirmBody = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }), newPassword: Password }, { additionalProperties: false });
