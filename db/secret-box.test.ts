import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, SecretBoxError } from './secret-box.ts';

const key = () => randomBytes(32).toString('base64');

describe('secret box', () => {
  it('opens what it sealed for the same place, and the sealed bytes do not contain the secret', () => {
    const box = createSecretBox(key());
    const sealed = box.seal('pd-token-u+abc123', 'integration:acme:1:credentials');
    expect(sealed.toString('latin1')).not.toContain('pd-token');
    expect(box.open(sealed, 'integration:acme:1:credentials')).toBe('pd-token-u+abc123');
    // Same plaintext twice: different bytes (a fresh nonce each time).
    expect(box.seal('x', 'c').equals(box.seal('x', 'c'))).toBe(false);
  });

  it('refuses a secret moved to another row or account, or with a flipped bit', () => {
    const box = createSecretBox(key());
    const sealed = box.seal('secret', 'integration:acme:1:credentials');
    expect(() => box.open(sealed, 'integration:evil:1:credentials')).toThrow(SecretBoxError);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 20]! ^= 1;
    expect(() => box.open(flipped, 'integration:acme:1:credentials')).toThrow(/does not open here/);
    expect(() => box.open(Buffer.from('plain text'), 'x')).toThrow(/not a sealed secret/);
  });

  it('opens secrets of a previous key during a rotation and says they need re-sealing; a lost key is named', () => {
    const old = key();
    const sealedWithOld = createSecretBox(old).seal('secret', 'ctx');
    const rotated = createSecretBox(key(), [old]);
    expect(rotated.open(sealedWithOld, 'ctx')).toBe('secret');
    expect(rotated.needsReseal(sealedWithOld)).toBe(true);
    expect(rotated.needsReseal(rotated.seal('secret', 'ctx'))).toBe(false);
    expect(() => createSecretBox(key()).open(sealedWithOld, 'ctx')).toThrow(/INSIGHTS_MASTER_KEY_PREVIOUS/);
  });
});
