// The real API in-process, as the tests and the benchmarks drive it: real dependencies, the test secrets, errors (5xx)
// logged to test-results/api-errors.log, and users signed up through the API with their emailed confirmation.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, loggerOptions } from '../api/app.ts';
import type { Config } from '../config.ts';
import { latestEmails } from '../db/outbox.ts';
import { secretBoxOf } from '../db/secret-box.ts';
import type { Sql } from '../db/sql.ts';
import type { TemporalClient } from '../temporal/client.ts';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
/** The tests' master key (32 bytes in hex): nothing real is sealed with it. */
export const TEST_MASTER_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

/** The API as the tests use it: real dependencies, the test JWT secret. */
export async function buildTestApp(config: Config, sql: Sql, temporal: TemporalClient): Promise<FastifyInstance> {
  // Errors (5xx) go to a file, so a failing test's cause can be read without changing the test.
  mkdirSync(resolve('test-results'), { recursive: true });
  const app = await buildApp(
    { config, sql, temporal, version: 'test', jwtSecret: config.secrets.jwtSecret ?? TEST_JWT_SECRET, secretBox: secretBoxOf(config) },
    // As the server logs (redaction, serializers), at error level.
    { logger: { ...(loggerOptions('error') as object), file: resolve('test-results', 'api-errors.log') } },
  );
  databaseOfApp.set(app, sql);
  return app;
}

/** Which database each test app uses, so signUp can read the confirmation email like the user would. */
const databaseOfApp = new WeakMap<FastifyInstance, Sql>();

export interface SignedIn {
  token: string;
  userId: string;
  accountId: string;
  email: string;
  password: string;
  /** `app.inject` with this user's access token. */
  call(options: InjectOptions): Promise<LightMyRequestResponse>;
}

let signUps = 0;
/**
 * Signs a new user up through the API, with a new account they own, and (unless `confirmEmail` is false) confirms
 * their address with the emailed link, as most people do before inviting anyone.
 */
export async function signUp(app: FastifyInstance, options: { accountName?: string; email?: string; confirmEmail?: boolean } = {}): Promise<SignedIn> {
  signUps += 1;
  const email = options.email ?? `user-${process.pid}-${signUps}-${randomBytes(3).toString('hex')}@example.com`;
  const password = 'a sturdy test passphrase';
  const res = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email, password, name: `Test user ${signUps}`, accountName: options.accountName ?? `Account ${signUps}` } });
  if (res.statusCode !== 201) throw new Error(`sign-up failed: ${res.statusCode} ${res.body}`);
  const body = res.json();
  const token = body.accessToken as string;
  const db = databaseOfApp.get(app);
  if ((options.confirmEmail ?? true) && db) {
    const link = await emailedToken(db, email, '/verify-email');
    const confirmed = await app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token: link } });
    if (confirmed.statusCode !== 204) throw new Error(`confirming the email failed: ${confirmed.statusCode} ${confirmed.body}`);
  }
  return {
    token,
    userId: body.user.id,
    accountId: body.account.accountId,
    email,
    password,
    call: (opts) => app.inject({ ...opts, headers: { ...(opts.headers ?? {}), authorization: `Bearer ${token}` } } as InjectOptions),
  };
}

/** The token of the newest emailed link to `path` for `email` (the outbox stands in for the mailbox). */
export async function emailedToken(sql: Sql, email: string, path: string): Promise<string> {
  const pattern = new RegExp(`${path.replace(/[/?]/g, '\\$&')}\\?token=(\\S+)`);
  const mails = await latestEmails(sql, { recipient: email, limit: 10 });
  const link = mails.map((mail) => pattern.exec(mail.body ?? '')?.[1]).find(Boolean);
  if (!link) throw new Error(`no email with a ${path} link for ${email}`);
  return decodeURIComponent(link);
}
