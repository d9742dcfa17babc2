import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { temporalSecurity } from './client.ts';

describe('temporalSecurity', () => {
  it('connects in plain text to a dev server', () => {
    expect(temporalSecurity(loadConfig({}).temporal)).toEqual({});
  });

  it('sends an API key over TLS verified against the system CAs', () => {
    expect(temporalSecurity(loadConfig({ TEMPORAL_API_KEY: 'key-1' }).temporal)).toEqual({ apiKey: 'key-1', tls: true });
  });

  it('reads the client certificate, its key and a private CA for mTLS, with the server name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'temporal-tls-'));
    for (const name of ['client.pem', 'client.key', 'ca.pem']) writeFileSync(join(dir, name), `-----${name}-----`);
    const security = temporalSecurity(
      loadConfig({
        TEMPORAL_TLS_CERT_PATH: join(dir, 'client.pem'),
        TEMPORAL_TLS_KEY_PATH: join(dir, 'client.key'),
        TEMPORAL_TLS_CA_PATH: join(dir, 'ca.pem'),
        TEMPORAL_TLS_SERVER_NAME: 'insights.a1b2c.tmprl.cloud',
      }).temporal,
    );
    expect(security.apiKey).toBeUndefined();
    const tls = security.tls as { clientCertPair: { crt: Buffer; key: Buffer }; serverRootCACertificate: Buffer; serverNameOverride: string };
    expect(tls.clientCertPair.crt.toString()).toBe('-----client.pem-----');
    expect(tls.clientCertPair.key.toString()).toBe('-----client.key-----');
    expect(tls.serverRootCACertificate.toString()).toBe('-----ca.pem-----');
    expect(tls.serverNameOverride).toBe('insights.a1b2c.tmprl.cloud');
  });

  it('names a missing certificate file at start, not at the first call', () => {
    expect(() => temporalSecurity(loadConfig({ TEMPORAL_TLS_CERT_PATH: '/nonexistent/c.pem', TEMPORAL_TLS_KEY_PATH: '/nonexistent/k.pem' }).temporal)).toThrow(/ENOENT.*c\.pem/);
  });
});
