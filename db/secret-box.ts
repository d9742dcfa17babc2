// Secrets at rest (ticket-tool tokens, webhook secrets, later AWS and SSH credentials): AES-256-GCM under the master
// key, bound to where they are stored, so a sealed value copied into another row or account does not open.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { decodeMasterKey, type Config } from '../config.ts';

/** Format version 1: version (1) ‖ key id (4) ‖ nonce (12) ‖ ciphertext ‖ tag (16). */
const VERSION = 1;
const KEY_ID_BYTES = 4;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBoxError extends Error {
  override name = 'SecretBoxError';
}

export interface SecretBox {
  /** Seals `plaintext` for the place named by `context` (e.g. `integration:<account>:<id>:credentials`). */
  seal(plaintext: string, context: string): Buffer;
  /** Opens what `seal` made for the same context, with the current or a previous key. */
  open(sealed: Buffer, context: string): string;
  /** Whether `sealed` was made with an older key (a rotation re-seals those). */
  needsReseal(sealed: Buffer): boolean;
}

const keyId = (key: Buffer) => createHash('sha256').update('insights-key-id').update(key).digest().subarray(0, KEY_ID_BYTES);

/**
 * A box for the master key and the keys it replaced. Without a master key there is no box: features that store
 * secrets say so instead of storing them in clear.
 */
export function createSecretBox(masterKey: string, previousKeys: readonly string[] = []): SecretBox {
  const current = decodeMasterKey(masterKey);
  const keys = [current, ...previousKeys.map(decodeMasterKey)].map((key) => ({ key, id: keyId(key) }));
  const currentId = keys[0]!.id;
  return {
    seal(plaintext, context) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current, nonce);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([VERSION]), currentId, nonce, body, cipher.getAuthTag()]);
    },
    open(sealed, context) {
      if (sealed.length < 1 + KEY_ID_BYTES + NONCE_BYTES + TAG_BYTES || sealed[0] !== VERSION) throw new SecretBoxError('not a sealed secret');
      const id = sealed.subarray(1, 1 + KEY_ID_BYTES);
      const entry = keys.find((k) => k.id.equals(id));
      if (!entry) throw new SecretBoxError('sealed with a key this deployment does not have (INSIGHTS_MASTER_KEY changed without INSIGHTS_MASTER_KEY_PREVIOUS?)');
      const nonce = sealed.subarray(1 + KEY_ID_BYTES, 1 + KEY_ID_BYTES + NONCE_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', entry.key, nonce);
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(sealed.subarray(1 + KEY_ID_BYTES + NONCE_BYTES, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        // Wrong context (moved to another row or account) or tampered bytes: GCM cannot tell which, and neither do we.
        throw new SecretBoxError('the sealed secret does not open here (tampered, or sealed for another place)');
      }
    },
    needsReseal(sealed) {
      return !sealed.subarray(1, 1 + KEY_ID_BYTES).equals(currentId);
    },
  };
}

/** The deployment's box, or undefined when no master key is configured. */
export function secretBoxOf(config: Config): SecretBox | undefined {
  return config.secrets.masterKey ? createSecretBox(config.secrets.masterKey, config.secrets.previousMasterKeys) : undefined;
}
