// Confirming an email address with an emailed link.
import { Type } from 'typebox';

export const VerifyEmailBody = Type.Object({ token: Type.String({ minLength: 10, maxLength: 200 }) }, { additionalProperties: false });
