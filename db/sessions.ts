// Sign-in sessions, their rotating refresh tokens (stored hashed) and failed sign-ins. Not tenant data: these are
// read before any account context exists, by the connecting role.
import type { Sql, TransactionSql } from './sql.ts';

export interface SessionRow {
  id: string;
  userId: string;
  currentAccountId: string | null;
}

export async function createSession(
  sql: Sql,
  session: { id: string; userId: string; currentAccountId: string | null; expiresAt: Date; userAgent: string | null; ip: string | null },
  refreshTokenHash: Buffer,
): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`
      insert into sessions (id, user_id, current_account_id, expires_at, user_agent, ip)
      values (${session.id}, ${session.userId}, ${session.currentAccountId}, ${session.expiresAt}, ${session.userAgent}, ${session.ip})`;
    await tx`insert into refresh_tokens (token_hash, session_id) values (${refreshTokenHash}, ${session.id})`;
  });
}

/** A live session (not revoked, not expired) of that user, with the user's email (the audit log's name for them). */
export async function getLiveSession(sql: Sql, id: string, userId: string): Promise<(SessionRow & { email: string; emailVerified: boolean }) | undefined> {
  const [row] = await sql<[(SessionRow & { email: string; emailVerified: boolean })?]>`
    select s.id, s.user_id as "userId", s.current_account_id as "currentAccountId", u.email, u.email_verified_at is not null as "emailVerified"
    from sessions s join users u on u.id = s.user_id
    where s.id = ${id} and s.user_id = ${userId} and s.revoked_at is null and s.expires_at > now()`;
  return row;
}

export type RotateOutcome =
  | { kind: 'rotated'; session: SessionRow }
  | { kind: 'unknown' }
  | { kind: 'reused'; sessionId: string; userId: string }
  | { kind: 'dead'; sessionId: string };

/**
 * Exchanges a refresh token for a new one in the same session. A token that was already exchanged (stolen and used
 * twice, by the thief or the owner) revokes the whole session: whoever holds the newer token is signed out too.
 */
export async function rotateRefreshToken(sql: Sql, oldHash: Buffer, newHash: Buffer): Promise<RotateOutcome> {
  return sql.begin(async (tx) => {
    const [token] = await tx<[{ sessionId: string; usedAt: Date | null }?]>`
      select session_id as "sessionId", used_at as "usedAt" from refresh_tokens where token_hash = ${oldHash} for update`;
    if (!token) return { kind: 'unknown' } as const;
    if (token.usedAt) {
      const [revoked] = await tx<[{ userId: string }]>`
        update sessions set revoked_at = coalesce(revoked_at, now()), revoked_reason = coalesce(revoked_reason, 'refresh token reused')
        where id = ${token.sessionId} returning user_id as "userId"`;
      return { kind: 'reused', sessionId: token.sessionId, userId: revoked.userId } as const;
    }
    const [session] = await tx<[SessionRow?]>`
      update sessions set last_used_at = now()
      where id = ${token.sessionId} and revoked_at is null and expires_at > now()
      returning id, user_id as "userId", current_account_id as "currentAccountId"`;
    if (!session) return { kind: 'dead', sessionId: token.sessionId } as const;
    await tx`update refresh_tokens set used_at = now() where token_hash = ${oldHash}`;
    await tx`insert into refresh_tokens (token_hash, session_id) values (${newHash}, ${session.id})`;
    return { kind: 'rotated', session } as const;
  });
}

/** The session a refresh token belongs to (for sign-out by cookie), whether or not it was rotated. */
export async function sessionOfRefreshToken(sql: Sql, hash: Buffer): Promise<string | undefined> {
  const [row] = await sql<[{ sessionId: string }?]>`select session_id as "sessionId" from refresh_tokens where token_hash = ${hash}`;
  return row?.sessionId;
}

/** Ends a live session; answers whose it was, or undefined when it had already ended. */
export async function revokeSession(sql: Sql, id: string, reason: string): Promise<{ userId: string } | undefined> {
  const [row] = await sql<[{ userId: string }?]>`
    update sessions set revoked_at = now(), revoked_reason = ${reason} where id = ${id} and revoked_at is null returning user_id as "userId"`;
  return row;
}

export async function setSessionAccount(sql: Sql, id: string, accountId: string): Promise<void> {
  await sql`update sessions set current_account_id = ${accountId}, last_used_at = now() where id = ${id}`;
}

export async function recordSignInFailure(sql: Sql | TransactionSql, email: string, ip: string): Promise<void> {
  await sql`insert into sign_in_failures (email, ip) values (${email}, ${ip})`;
  // Keep the table small: a day of history is plenty for a one-minute window and for an operator's look.
  await sql`delete from sign_in_failures where at < now() - interval '1 day' and id in (select id from sign_in_failures order by id limit 100)`;
}

/** Serialises password checks per client address and per email for the transaction (see api/auth/sign-in-limits.ts). */
export async function lockSignInAttempts(tx: TransactionSql, email: string, ip: string): Promise<void> {
  // Always address first, then email: two requests never wait for each other in opposite orders.
  await tx`select pg_advisory_xact_lock(hashtext(${`sign-in address ${ip}`}))`;
  await tx`select pg_advisory_xact_lock(hashtext(${`sign-in email ${email}`}))`;
}

/** Failures in the last `seconds` for this email and for this address, and when the oldest of them expires. */
export async function recentSignInFailures(sql: Sql | TransactionSql, email: string, ip: string, seconds: number): Promise<{ byEmail: number; byIp: number; oldestEmailAt: Date | null }> {
  const [row] = await sql<[{ byEmail: number; byIp: number; oldestEmailAt: Date | null }]>`
    select
      (select count(*)::int from sign_in_failures where email = ${email} and at > now() - make_interval(secs => ${seconds})) as "byEmail",
      (select count(*)::int from sign_in_failures where ip = ${ip} and at > now() - make_interval(secs => ${seconds})) as "byIp",
      (select min(at) from sign_in_failures where email = ${email} and at > now() - make_interval(secs => ${seconds})) as "oldestEmailAt"`;
  return row;
}
