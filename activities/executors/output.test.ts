import { describe, expect, it } from 'vitest';
import { capUtf8, finishOutput, isValidIdempotencyKey } from './output.ts';

describe('executor output', () => {
  it('cuts on a UTF-8 character boundary, never inside one', () => {
    expect(capUtf8('aé€😀', 100)).toEqual({ text: 'aé€😀', truncated: false });
    // a(1) é(2) €(3) 😀(4): 5 bytes end inside €, 6 after it, 9 inside 😀.
    expect(capUtf8('aé€😀', 5)).toEqual({ text: 'aé', truncated: true });
    expect(capUtf8('aé€😀', 6)).toEqual({ text: 'aé€', truncated: true });
    expect(capUtf8('aé€😀', 9)).toEqual({ text: 'aé€', truncated: true });
    expect(capUtf8('😀', 0)).toEqual({ text: '', truncated: true });
  });

  it('redacts before cutting, so a secret cut in half is not left behind', () => {
    const key = `-----BEGIN OPENSSH PRIVATE KEY-----\n${'b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ'.repeat(4)}\n-----END OPENSSH PRIVATE KEY-----`;
    const out = finishOutput({ stdout: `key:\n${key}\n`, stderr: 'password=hunter2-secret' }, 60);
    expect(out.stdout).not.toContain('b3BlbnNzaC1rZXktdjEA');
    expect(out.stderr).not.toContain('hunter2');
    expect(out.truncated).toBe(false);
  });

  it('keeps the target’s own truncation flag', () => {
    expect(finishOutput({ stdout: 'a', stderr: '', alreadyTruncated: true }, 10).truncated).toBe(true);
  });

  it('accepts only keys that are safe as a file name', () => {
    expect(isValidIdempotencyKey('run-01HX.3')).toBe(true);
    for (const key of ['', '.', '..', '../x', 'a/b', 'a b', "a'b", '$(id)', 'x'.repeat(129)]) expect(isValidIdempotencyKey(key)).toBe(false);
  });
});
