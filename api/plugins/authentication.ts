// Who is calling: verifies the access token (HS256 JWT, short-lived, issued by routes/auth.ts), checks that its
// session is still live, and finds the caller's role in the session's current account. Authorization decides
// what that allows.
import cookie from '@fastify/cookie';
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { AuditActor } from '../../db/audit.ts';
import { getLiveSession } from '../../db/sessions.ts';
import type { Sql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { findApiToken, touchApiToken } from '../../db/api-tokens.ts';
import { getMember } from '../../db/invitations.ts';
import { getMembership } from '../../db/users.ts';
import { hashToken } from '../auth/tokens.ts';
import { AppError } from '../errors.ts';
import { ROLE_RANK, type Role } from '../permissions.ts';

export const TOKEN_ISSUER = 'incident-insights';
/** `Bearer iit.<accountId>.<secret>`: an API token; anything else after Bearer is an access token (JWT). */
const API_TOKEN = /^Bearer iit\.([A-Za-z0-9-]{1,64})\.[A-Za-z0-9_-]{40,}$/;
export const TOKEN_AUDIENCE = 'incident-insights-api';

export interface AccessClaims {
  /** The user. */
  sub: string;
  /** The session (refresh-token family) the token was issued in. */
  sid: string;
}

export interface AccountContext {
  accountId: string;
  accountName: string;
  role: Role;
  approver: boolean;
}

export interface Caller {
  /** The user, or for an API token the member who created it. */
  userId: string;
  /** The sign-in session; empty for an API token. */
  sessionId: string;
  /** An API token (a machine), not a person's session: it may not act on the user's own things. */
  viaToken: boolean;
  /** The API token's id, when the caller is one. */
  tokenId?: string;
  /** Whether the user (for a token: its creator) confirmed their email address. */
  emailVerified: boolean;
  /** How the audit log names the caller: the user's email, or `API token “name” (email of its creator)`. */
  label: string;
  /** The session's current account and the caller's role there; undefined before they have one. */
  account: AccountContext | undefined;
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessClaims;
    user: AccessClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by authorization for every route that is not public. */
    caller: Caller | undefined;
    /** The caller's current account id; set for every route that requires a permission. */
    accountId: string;
  }
  interface FastifyInstance {
    authenticate(request: FastifyRequest): Promise<Caller>;
    issueAccessToken(claims: AccessClaims): Promise<string>;
  }
}

export interface AuthenticationOptions {
  sql: Sql;
  jwtSecret: string;
  accessTokenTtlSeconds: number;
}

function jwtErrorCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

export const authentication = fp(
  async (app: FastifyInstance, opts: AuthenticationOptions) => {
    await app.register(cookie);
    await app.register(jwt, {
      secret: opts.jwtSecret,
      sign: { algorithm: 'HS256', expiresIn: opts.accessTokenTtlSeconds, iss: TOKEN_ISSUER, aud: TOKEN_AUDIENCE },
      // Pinned: a token signed with another algorithm, or with `alg: none`, is refused.
      // fast-jwt skips the iss/aud/exp checks when the claim is absent: require them.
      verify: { algorithms: ['HS256'], allowedIss: TOKEN_ISSUER, allowedAud: TOKEN_AUDIENCE, requiredClaims: ['exp', 'iss', 'aud', 'sub', 'sid'] },
    });
    app.decorateRequest('caller', undefined);
    app.decorateRequest('accountId', '');

    app.decorate('issueAccessToken', async (claims: AccessClaims) => app.jwt.sign({ sub: claims.sub, sid: claims.sid }));

    app.decorate('authenticate', async (request: FastifyRequest): Promise<Caller> => {
      const header = request.headers.authorization;
      if (!header) throw new AppError(401, 'unauthenticated', 'Sign in to continue');
      const apiToken = API_TOKEN.exec(header);
      if (apiToken) return authenticateApiToken(apiToken[1]!, header.slice('Bearer '.length));
      if (!/^Bearer [A-Za-z0-9._~+/=-]+$/.test(header)) throw new AppError(401, 'invalid_token', 'The Authorization header must be `Bearer <access token>`');
      let claims: AccessClaims;
      try {
        claims = await request.jwtVerify<AccessClaims>();
      } catch (err) {
        const expired = jwtErrorCode(err) === 'FST_JWT_AUTHORIZATION_TOKEN_EXPIRED';
        throw new AppError(401, expired ? 'token_expired' : 'invalid_token', expired ? 'The access token expired; refresh it' : 'The access token is not valid');
      }
      if (typeof claims.sub !== 'string' || typeof claims.sid !== 'string') throw new AppError(401, 'invalid_token', 'The access token is not valid');
      const session = await getLiveSession(opts.sql, claims.sid, claims.sub);
      if (!session) throw new AppError(401, 'session_ended', 'This session has ended; sign in again');
      let account: AccountContext | undefined;
      if (session.currentAccountId) {
        const accountId = session.currentAccountId;
        const membership = await withAccount(opts.sql, accountId, (tx) => getMembership(tx, accountId, claims.sub), claims.sub);
        if (membership) account = { accountId, accountName: membership.accountName, role: membership.role, approver: membership.approver };
      }
      return { userId: claims.sub, sessionId: claims.sid, viaToken: false, label: session.email, emailVerified: session.emailVerified, account };
    });

    /** An API token: live, and still backed by a member who may grant its role (or it lapsed with them). */
    async function authenticateApiToken(accountId: string, token: string): Promise<Caller> {
      const found = await withAccount(opts.sql, accountId, async (tx) => {
        const row = await findApiToken(tx, accountId, hashToken(token));
        if (!row || row.revokedAt) return undefined;
        const creator = await getMember(tx, accountId, row.createdBy);
        if (!creator || ROLE_RANK[creator.role] < ROLE_RANK[row.role]) return undefined;
        await touchApiToken(tx, accountId, row.id);
        const [account] = await tx<[{ name: string }]>`select name from accounts where id = ${accountId}`;
        return { row, accountName: account.name, creatorEmail: creator.email, creatorVerified: creator.emailVerified };
      });
      if (!found) throw new AppError(401, 'invalid_token', 'This API token is not valid (revoked, or its creator can no longer grant its role)');
      return {
        userId: found.row.createdBy,
        sessionId: '',
        viaToken: true,
        tokenId: found.row.id,
        emailVerified: found.creatorVerified,
        label: `API token “${found.row.name}” (${found.creatorEmail})`,
        account: { accountId, accountName: found.accountName, role: found.row.role, approver: false },
      };
    }
  },
  { name: 'authentication' },
);

/** The caller as the audit log records them, with where the request came from. */
export function auditActor(request: FastifyRequest): AuditActor {
  const caller = request.caller;
  return { userId: caller?.userId ?? null, tokenId: caller?.tokenId ?? null, label: caller?.label ?? 'anonymous', ip: request.ip, requestId: request.id };
}
