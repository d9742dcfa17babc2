// Creating an account (an organisation).
import { Type } from 'typebox';
import { Name } from './auth.ts';

export const CreateAccountBody = Type.Object({ name: Name }, { additionalProperties: false });
