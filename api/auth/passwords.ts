// Password hashing with scrypt (memory-hard, in Node's crypto: no native add-on to build) and the strength rule.
import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password.normalize('NFKC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** N=2^15, r=8, p=3: one of OWASP's recommended scrypt settings (32 MiB of memory per hash). */
const PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_LENGTH = 32;
const maxmem = (params: { N: number; r: number; p: number }) => 128 * params.N * params.r * 2 + 1024 * 1024;

/** `scrypt$N$r$p$salt$hash` (base64url): parameters travel with the hash, so they can be raised later. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEY_LENGTH, { ...PARAMS, maxmem: maxmem(PARAMS) });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = encoded.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const params = { N: Number(n), r: Number(r), p: Number(p) };
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { ...params, maxmem: maxmem(params) });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Spent on unknown emails too, so a sign-in's timing does not tell whether the email has an account. */
let dummyHash: Promise<string> | undefined;
export async function burnPasswordCheck(password: string): Promise<void> {
  dummyHash ??= hashPassword('not a real password, only for timing');
  await verifyPassword(password, await dummyHash);
}

export const MIN_PASSWORD_LENGTH = 12;
const COMMON = new Set(['password1234', '123456789012', 'qwertyuiopas', 'passwordpassword', 'iloveyou1234', 'letmein12345', 'incidentinsights']);

/** Why a password is too weak, or undefined when it is acceptable (length first, as NIST SP 800-63B advises). */
export function passwordWeakness(password: string, context: { email?: string; name?: string } = {}): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > 256) return 'must be at most 256 characters';
  const lower = password.toLowerCase();
  if (new Set(password).size < 5) return 'must not repeat the same few characters';
  if (COMMON.has(lower)) return 'is too common';
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower.includes(local)) return 'must not contain your email address';
  return undefined;
}
