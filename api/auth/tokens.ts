// Refresh tokens: random, shown to their holder once, stored only as a SHA-256 hash.
import { createHash, randomBytes } from 'node:crypto';

export function newRefreshToken(): { token: string; hash: Buffer } {
  const token = randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

export const REFRESH_COOKIE = 'ii_refresh';
