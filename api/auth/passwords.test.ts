import { describe, expect, it } from 'vitest';
import { hashPassword, passwordWeakness, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('verifies the right password and refuses a wrong one, with a fresh salt each time', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapLe', hash)).toBe(false);
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
  });

  it('refuses a malformed stored hash instead of throwing', async () => {
    expect(await verifyPassword('anything at all', 'md5$abc')).toBe(false);
  });

  it('names why a password is weak', () => {
    expect(passwordWeakness('short')).toBe('must be at least 12 characters');
    expect(passwordWeakness('aaaaaaaaaaaaaa')).toBe('must not repeat the same few characters');
    expect(passwordWeakness('Password1234')).toBe('is too common');
    expect(passwordWeakness('alice-rocks-2026!', { email: 'alice@example.com' })).toBe('must not contain your email address');
    expect(passwordWeakness('a long and unusual passphrase')).toBeUndefined();
  });
});
