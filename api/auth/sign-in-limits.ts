// Password checks under limits, shared by signing in and changing a password: a stolen session must not become a
// way to guess the password either.
import type { FastifyReply } from 'fastify';
import { lockSignInAttempts, recentSignInFailures, recordSignInFailure } from '../../db/sessions.ts';
import type { Sql } from '../../db/sql.ts';
import { AppError } from '../errors.ts';

/** Failed sign-ins tolerated per email and per address within the window; the next attempt is refused. */
export const SIGN_IN_LIMITS = { perEmail: 10, perAddress: 50, windowSeconds: 60 } as const;

/**
 * A password check under the limits: at most `perEmail` failures per email and `perAddress` per client address
 * within the window, then 429 (even for the right password). Checks for one email and one address run one at a
 * time (advisory locks), so a burst of parallel guesses is counted guess by guess.
 */
export const guardedPasswordCheck = (sql: Sql, reply: FastifyReply, email: string, ip: string, check: () => Promise<boolean>): Promise<boolean> =>
  sql.begin(async (tx) => {
    await lockSignInAttempts(tx, email, ip);
    const failures = await recentSignInFailures(tx, email, ip, SIGN_IN_LIMITS.windowSeconds);
    if (failures.byEmail >= SIGN_IN_LIMITS.perEmail || failures.byIp >= SIGN_IN_LIMITS.perAddress) {
      const waitS = failures.oldestEmailAt
        ? Math.max(1, Math.ceil(SIGN_IN_LIMITS.windowSeconds - (Date.now() - failures.oldestEmailAt.getTime()) / 1000))
        : SIGN_IN_LIMITS.windowSeconds;
      reply.header('retry-after', String(waitS));
      throw new AppError(429, 'too_many_attempts', `Too many failed sign-ins; this sign-in is locked for ${waitS} s`);
    }
    const ok = await check();
    if (!ok) await recordSignInFailure(tx, email, ip);
    return ok;
  }) as Promise<boolean>;
