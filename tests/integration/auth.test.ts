// Sign-up, sign-in, sessions and the attacks on them: tampered, expired and `alg: none` tokens, reused refresh
// tokens, password guessing, and roles that do not allow a route.
import { createHmac } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIGN_IN_LIMITS } from '../../api/auth/sign-in-limits.ts';
import { latestEmails } from '../../db/outbox.ts';
import { withAccount } from '../../db/tenancy.ts';
import type { TemporalClient } from '../../temporal/client.ts';
import { buildTestApp, emailedToken, signUp, TEST_JWT_SECRET, type SignedIn } from '../../devkit/app.ts';
import { useApi, testConfig, type TestDatabase } from '../helpers.ts';

type SignedInCall = SignedIn['call'];

const api = useApi();
let db: TestDatabase;
let temporal: TemporalClient;
let app: FastifyInstance;

beforeAll(() => {
  ({ db, temporal, app } = api);
});

function refreshCookie(res: LightMyRequestResponse): string {
  const cookie = res.cookies.find((c) => c.name === 'ii_refresh');
  if (!cookie) throw new Error(`no refresh cookie in ${res.statusCode} ${res.body}`);
  return cookie.value;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function forge(header: Record<string, unknown>, payload: Record<string, unknown>, secret?: string): string {
  const unsigned = `${b64(header)}.${b64(payload)}`;
  const signature = secret ? createHmac('sha256', secret).update(unsigned).digest('base64url') : '';
  return `${unsigned}.${signature}`;
}

describe('sign-up and sign-in', () => {
  it('signs up with an account, sets an httpOnly refresh cookie, and answers who the caller is', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'Ada@Example.com', password: 'analytical engine 1843', name: 'Ada', accountName: 'Lovelace Labs' } });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.user).toMatchObject({ email: 'ada@example.com', name: 'Ada' });
    expect(body.account).toMatchObject({ accountName: 'Lovelace Labs', role: 'owner' });
    expect(res.body).not.toContain('analytical engine');
    const cookie = res.cookies.find((c) => c.name === 'ii_refresh')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth' });

    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: `Bearer ${body.accessToken}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json().memberships).toEqual([expect.objectContaining({ accountName: 'Lovelace Labs', role: 'owner' })]);

    const [{ hash }] = await db.admin<[{ hash: string }]>`select password_hash as hash from users where email = 'ada@example.com'`;
    expect(hash).toMatch(/^scrypt\$/);
  });

  it('refuses a weak password and a taken email, naming the field, and creates nothing', async () => {
    const weak = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'weak@example.com', password: 'short', name: 'W' } });
    expect(weak.statusCode).toBe(400);
    expect(weak.json().error).toMatchObject({ code: 'weak_password', details: [{ field: 'password' }] });
    const taken = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'ADA@example.com', password: 'another long passphrase', name: 'Copy' } });
    expect(taken.statusCode).toBe(409);
    expect(taken.json().error).toMatchObject({ code: 'email_taken', details: [{ field: 'email' }] });
    const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from users where email in ('weak@example.com')`;
    expect(n).toBe(0);
  });

  it('signs in with the right password only, with one message for a wrong password and an unknown email', async () => {
    const user = await signUp(app);
    const ok = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email.toUpperCase(), password: user.password } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().account.accountId).toBe(user.accountId);
    const wrong = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email, password: 'not the password at all' } });
    const unknown = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: 'nobody@example.com', password: 'not the password at all' } });
    expect([wrong.statusCode, unknown.statusCode]).toEqual([401, 401]);
    expect(wrong.json().error.message).toBe(unknown.json().error.message);
  });

  it(`refuses the ${SIGN_IN_LIMITS.perEmail + 1}th wrong password in a minute, and then even the right one, with Retry-After`, async () => {
    const user = await signUp(app);
    for (let i = 0; i < SIGN_IN_LIMITS.perEmail; i++) {
      const res = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email, password: `wrong guess number ${i}` } });
      expect(res.statusCode, `attempt ${i + 1}`).toBe(401);
    }
    const locked = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email, password: 'wrong guess again' } });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('too_many_attempts');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    const right = await app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email, password: user.password } });
    expect(right.statusCode).toBe(429);
  });
});

describe('brute force', () => {
  it('counts a burst of parallel guesses one by one: no more than the limit get a verdict', async () => {
    const user = await signUp(app);
    const burst = await Promise.all(
      Array.from({ length: 25 }, (_, i) => app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email: user.email, password: `parallel guess ${i}` } })),
    );
    const codes = burst.map((r) => r.statusCode);
    expect(codes.filter((c) => c === 401)).toHaveLength(SIGN_IN_LIMITS.perEmail);
    expect(codes.filter((c) => c === 429)).toHaveLength(25 - SIGN_IN_LIMITS.perEmail);
  });

  it('limits sign-ups per address, in the common error format', async () => {
    const limited = await buildTestApp(testConfig(db.url, { SIGNUP_RATE_LIMIT_PER_MINUTE: '3' }), db.sql, temporal);
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await limited.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: `burst-${i}@example.com`, password: 'one of many signups', name: 'B' } });
        codes.push(res.statusCode);
        if (res.statusCode === 429) expect(res.json().error.code).toBe('rate_limited');
      }
      expect(codes).toEqual([201, 201, 201, 429]);
    } finally {
      await limited.close();
    }
  });
});

describe('access tokens', () => {
  it('rejects a missing, malformed, tampered, expired or alg:none token on a protected route', async () => {
    const user = await signUp(app);
    const [header, payload] = user.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Record<string, string>, string][] = [
      ['missing', {}, 'unauthenticated'],
      ['not bearer', { authorization: `Basic ${user.token}` }, 'invalid_token'],
      ['tampered payload', { authorization: `Bearer ${header}.${b64({ ...claims, sub: crypto.randomUUID() })}.${user.token.split('.')[2]}` }, 'invalid_token'],
      ['alg none', { authorization: `Bearer ${forge({ alg: 'none', typ: 'JWT' }, claims)}` }, 'invalid_token'],
      ['wrong secret', { authorization: `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, claims, 'some-other-secret-of-sufficient-length-000')}` }, 'invalid_token'],
      ['expired', { authorization: `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, iat: now - 3600, exp: now - 60 }, TEST_JWT_SECRET)}` }, 'token_expired'],
      ['wrong audience', { authorization: `Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, { ...claims, aud: 'someone-else' }, TEST_JWT_SECRET)}` }, 'invalid_token'],
    ];
    for (const [name, headers, code] of cases) {
      const res = await app.inject({ method: 'GET', url: '/api/jobs', headers });
      expect(res.statusCode, name).toBe(401);
      expect(res.json().error.code, name).toBe(code);
    }
    expect((await user.call({ method: 'GET', url: '/api/jobs' })).statusCode).toBe(200);
  });

  it('stops working at once when its session is signed out', async () => {
    const user = await signUp(app);
    const out = await user.call({ method: 'POST', url: '/api/auth/signout' });
    expect(out.statusCode).toBe(204);
    const after = await user.call({ method: 'GET', url: '/api/jobs' });
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('session_ended');
  });
});

describe('refresh tokens', () => {
  it('rotate on every use, and a reused one ends its whole session, the thief’s and the owner’s tokens alike', async () => {
    const signIn = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'rotate@example.com', password: 'spin the token wheel', name: 'R', accountName: 'R' } });
    const first = refreshCookie(signIn);
    const second = await app.inject({ method: 'POST', url: '/api/auth/refresh', cookies: { ii_refresh: first } });
    expect(second.statusCode).toBe(200);
    const secondToken = refreshCookie(second);
    expect(secondToken).not.toBe(first);
    const access = second.json().accessToken;
    expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: { authorization: `Bearer ${access}` } })).statusCode).toBe(200);

    // The first token shows up again (stolen): the session ends for everyone.
    const replay = await app.inject({ method: 'POST', url: '/api/auth/refresh', cookies: { ii_refresh: first } });
    expect(replay.statusCode).toBe(401);
    expect(replay.json().error.code).toBe('refresh_token_reused');
    const owner = await app.inject({ method: 'POST', url: '/api/auth/refresh', cookies: { ii_refresh: secondToken } });
    expect(owner.statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: { authorization: `Bearer ${access}` } })).statusCode).toBe(401);
    const [row] = await db.admin<[{ reason: string }]>`
      select s.revoked_reason as reason from sessions s join users u on u.id = s.user_id where u.email = 'rotate@example.com'`;
    expect(row.reason).toBe('refresh token reused');
  });

  it('stores only hashes of refresh tokens', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'hashes@example.com', password: 'hash browns forever', name: 'H' } });
    const token = refreshCookie(res);
    const rows = await db.admin<{ hash: Buffer }[]>`select token_hash as hash from refresh_tokens`;
    expect(rows.some((r) => r.hash.toString('base64url') === token || r.hash.toString() === token)).toBe(false);
  });

  it('answers an unknown refresh token with 401', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/refresh', cookies: { ii_refresh: 'made-up' } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('invalid_refresh_token');
  });
});

describe('roles and accounts', () => {
  it('lets a viewer read jobs and refuses to let them start one, with 403 in the common format', async () => {
    const owner = await signUp(app);
    const viewer = await signUp(app);
    // Until invitations exist, a membership is added directly, as the account's tenant transaction would.
    await withAccount(db.sql, owner.accountId, (tx) => tx`insert into memberships (account_id, user_id, role) values (${owner.accountId}, ${viewer.userId}, 'viewer')`);
    const switched = await viewer.call({ method: 'POST', url: '/api/auth/switch-account', payload: { accountId: owner.accountId } });
    expect(switched.statusCode).toBe(200);
    expect(switched.json().account).toMatchObject({ accountId: owner.accountId, role: 'viewer' });
    expect((await viewer.call({ method: 'GET', url: '/api/jobs' })).statusCode).toBe(200);
    const run = await viewer.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'not allowed' } });
    expect(run.statusCode).toBe(403);
    expect(run.json().error).toMatchObject({ code: 'forbidden', message: 'Your role (viewer) does not allow jobs:run' });

    // The owner promotes them: it takes effect on the very next request.
    await withAccount(db.sql, owner.accountId, (tx) => tx`update memberships set role = 'responder' where user_id = ${viewer.userId} and account_id = ${owner.accountId}`);
    expect((await viewer.call({ method: 'POST', url: '/api/jobs/echo', payload: { message: 'allowed now', steps: 0 } })).statusCode).toBe(202);
  });

  it('answers 404 for switching to an account the caller is not a member of', async () => {
    const a = await signUp(app);
    const b = await signUp(app);
    const res = await a.call({ method: 'POST', url: '/api/auth/switch-account', payload: { accountId: b.accountId } });
    expect(res.statusCode).toBe(404);
    const me = await a.call({ method: 'GET', url: '/api/auth/me' });
    expect(me.json().account.accountId).toBe(a.accountId);
  });

  it('lets a user without an account sign in, create one, and act for it', async () => {
    const res = await app.inject({ method: 'POST', url: '/api/auth/signup', payload: { email: 'solo@example.com', password: 'a single traveller', name: 'Solo' } });
    const token = res.json().accessToken;
    expect(res.json().account).toBeNull();
    const auth = { authorization: `Bearer ${token}` };
    const jobs = await app.inject({ method: 'GET', url: '/api/jobs', headers: auth });
    expect(jobs.statusCode).toBe(403);
    expect(jobs.json().error.code).toBe('no_account');
    const created = await app.inject({ method: 'POST', url: '/api/accounts', headers: auth, payload: { name: 'Solo Inc' } });
    expect(created.statusCode).toBe(201);
    expect(created.json().account).toMatchObject({ accountName: 'Solo Inc', role: 'owner' });
    expect((await app.inject({ method: 'GET', url: '/api/jobs', headers: auth })).statusCode).toBe(200);
  });
});

describe('passwords', () => {
  const signIn = (email: string, password: string) => app.inject({ method: 'POST', url: '/api/auth/signin', payload: { email, password } });

  it('changes a password with the current one, ending the user’s other sessions but not this one', async () => {
    const user = await signUp(app);
    const elsewhere = (await signIn(user.email, user.password)).json().accessToken as string;
    const wrong = await user.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: 'not it at all', newPassword: 'a brand new passphrase' } });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error).toMatchObject({ code: 'wrong_password', details: [{ field: 'currentPassword' }] });
    const weak = await user.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: user.password, newPassword: 'short' } });
    expect(weak.json().error).toMatchObject({ code: 'weak_password', details: [{ field: 'newPassword' }] });

    const ok = await user.call({ method: 'POST', url: '/api/auth/password', payload: { currentPassword: user.password, newPassword: 'a brand new passphrase' } });
    expect(ok.statusCode).toBe(204);
    expect((await user.call({ method: 'GET', url: '/api/jobs' })).statusCode).toBe(200);
    const other = await app.inject({ method: 'GET', url: '/api/jobs', headers: { authorization: `Bearer ${elsewhere}` } });
    expect(other.json().error.code).toBe('session_ended');
    expect((await signIn(user.email, user.password)).statusCode).toBe(401);
    expect((await signIn(user.email, 'a brand new passphrase')).statusCode).toBe(200);
  });

  it('resets a forgotten password by a single-use emailed link, ending every session, and tells nobody which emails exist', async () => {
    const user = await signUp(app);
    const unknown = await app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email: 'ghost@example.com' } });
    const known = await app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email: user.email } });
    expect([unknown.statusCode, known.statusCode]).toEqual([202, 202]);
    expect(await latestEmails(db.admin, { recipient: 'ghost@example.com', limit: 1 })).toEqual([]);
    const token = await emailedToken(db.admin, user.email, '/reset-password');

    const weak = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token, newPassword: 'short' } });
    expect(weak.statusCode).toBe(400); // and the link is still good
    const done = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token, newPassword: 'remembered at last' } });
    expect(done.statusCode).toBe(204);
    const again = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token, newPassword: 'and once more please' } });
    expect(again.statusCode).toBe(410);
    expect(again.json().error.code).toBe('invalid_reset_link');
    expect((await user.call({ method: 'GET', url: '/api/jobs' })).json().error.code).toBe('session_ended');
    expect((await signIn(user.email, 'remembered at last')).statusCode).toBe(200);
  });

  it('refuses an expired reset link', async () => {
    const user = await signUp(app);
    await app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email: user.email } });
    const token = await emailedToken(db.admin, user.email, '/reset-password');
    await db.admin`update password_resets set expires_at = now() - interval '1 second'`;
    const res = await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token, newPassword: 'too late for this one' } });
    expect(res.statusCode).toBe(410);
  });
});

describe('email confirmation', () => {
  const me = async (user: { call: SignedInCall }) => (await user.call({ method: 'GET', url: '/api/auth/me' })).json().user;

  it('emails a confirmation link at sign-up; until it is opened the user may work but not invite anyone', async () => {
    const user = await signUp(app, { confirmEmail: false });
    expect(await me(user)).toMatchObject({ email: user.email, emailVerified: false });
    const invite = await user.call({ method: 'POST', url: '/api/invitations', payload: { email: 'friend@example.com', role: 'viewer' } });
    expect(invite.statusCode).toBe(403);
    expect(invite.json().error.code).toBe('email_unconfirmed');
    expect((await user.call({ method: 'GET', url: '/api/jobs' })).statusCode).toBe(200);
    // An API token of an unconfirmed user cannot invite either.
    const { token } = (await user.call({ method: 'POST', url: '/api/tokens', payload: { name: 'bot', role: 'admin' } })).json();
    const viaToken = await app.inject({ method: 'POST', url: '/api/invitations', headers: { authorization: `Bearer ${token}` }, payload: { email: 'friend@example.com', role: 'viewer' } });
    expect(viaToken.json().error.code).toBe('email_unconfirmed');

    const link = await emailedToken(db.admin, user.email, '/verify-email');
    expect((await app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token: link } })).statusCode).toBe(204);
    expect(await me(user)).toMatchObject({ emailVerified: true });
    expect((await user.call({ method: 'POST', url: '/api/invitations', payload: { email: 'friend@example.com', role: 'viewer' } })).statusCode).toBe(201);
    const again = await app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token: link } });
    expect(again.statusCode).toBe(410);
    expect(again.json().error.code).toBe('invalid_verification_link');
    const [{ action }] = await db.admin<[{ action: string }]>`select action from audit_log where subject_user_id = ${user.userId} order by id desc limit 1`;
    expect(action).toBe('user.email_verified');
  });

  it('refuses an expired link, sends new ones five times an hour, and says when there is nothing to confirm', async () => {
    const user = await signUp(app, { confirmEmail: false });
    const first = await emailedToken(db.admin, user.email, '/verify-email');
    await db.admin`update email_verifications set expires_at = now() - interval '1 second' where user_id = ${user.userId}`;
    expect((await app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token: first } })).statusCode).toBe(410);
    for (let i = 0; i < 4; i += 1) expect((await user.call({ method: 'POST', url: '/api/auth/verify-email/resend' })).statusCode).toBe(202);
    const sixth = await user.call({ method: 'POST', url: '/api/auth/verify-email/resend' });
    expect(sixth.statusCode).toBe(429);
    expect(sixth.json().error.code).toBe('too_many_emails');
    const fresh = await emailedToken(db.admin, user.email, '/verify-email');
    expect(fresh).not.toBe(first);
    expect((await app.inject({ method: 'POST', url: '/api/auth/verify-email', payload: { token: fresh } })).statusCode).toBe(204);
    expect((await user.call({ method: 'POST', url: '/api/auth/verify-email/resend' })).json().error.code).toBe('already_verified');
  });

  it('counts an opened reset link or invitation as a confirmation: both reached the mailbox', async () => {
    const resetter = await signUp(app, { confirmEmail: false });
    await app.inject({ method: 'POST', url: '/api/auth/password-reset', payload: { email: resetter.email } });
    const token = await emailedToken(db.admin, resetter.email, '/reset-password');
    await app.inject({ method: 'POST', url: '/api/auth/password-reset/confirm', payload: { token, newPassword: 'a brand new passphrase' } });
    const [{ verified }] = await db.admin<[{ verified: boolean }]>`select email_verified_at is not null as verified from users where id = ${resetter.userId}`;
    expect(verified).toBe(true);

    const owner = await signUp(app);
    const invited = await signUp(app, { confirmEmail: false });
    await owner.call({ method: 'POST', url: '/api/invitations', payload: { email: invited.email, role: 'viewer' } });
    const accepted = await invited.call({ method: 'POST', url: '/api/invitations/accept', payload: { token: await emailedToken(db.admin, invited.email, '/invitations/accept') } });
    expect(accepted.json().user).toMatchObject({ emailVerified: true });
  });
});
