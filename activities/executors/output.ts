// What an executor hands back as a command's output: cut to the byte cap on a UTF-8 boundary and redacted, whatever the target sent.
import { createRedactor, type Redactor } from '../../analysis/redaction.ts';

export interface FinishedOutput {
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/** The first `maxBytes` bytes of `text` (UTF-8) without splitting a character. */
export function capUtf8(text: string, maxBytes: number): { text: string; truncated: boolean } {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return { text, truncated: false };
  let end = Math.max(0, Math.floor(maxBytes));
  // Back off over continuation bytes (10xxxxxx) so the cut lands before the start of a character.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

const defaultRedactor = createRedactor();

/**
 * Redact first, then cap: cutting first could split a secret (a private key without its END line) so that no rule
 * recognises what is left of it. `alreadyTruncated` carries the target's own cut.
 */
export function finishOutput(
  raw: { stdout: string; stderr: string; alreadyTruncated?: boolean },
  maxOutputBytes: number,
  redactor: Redactor = defaultRedactor,
): FinishedOutput {
  const stdout = capUtf8(redactor(raw.stdout).text, maxOutputBytes);
  const stderr = capUtf8(redactor(raw.stderr).text, maxOutputBytes);
  return { stdout: stdout.text, stderr: stderr.text, truncated: Boolean(raw.alreadyTruncated) || stdout.truncated || stderr.truncated };
}

/** Idempotency keys become file names and table keys on the target. */
export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._-]{1,128}$/;

export function isValidIdempotencyKey(key: string): boolean {
  return IDEMPOTENCY_KEY.test(key) && key !== '.' && key !== '..';
}
