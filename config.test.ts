import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

describe('loadConfig', () => {
  it('has working defaults for a local run', () => {
    const config = loadConfig({});
    expect(config.database.url).toBeUndefined();
    expect(config.temporal.address).toBeUndefined();
    expect(config.temporal.namespace).toBe('default');
    expect(config.temporal.taskQueue).toBe('incident-insights');
    expect(config.temporal.uiUrl).toBe('http://127.0.0.1:8233');
    expect(config.api.port).toBe(3001);
    expect(config.web.port).toBe(3000);
    expect(config.dataDir).toMatch(/\.data$/);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('does not invent a Web UI address for an external Temporal', () => {
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233' }).temporal.uiUrl).toBeUndefined();
    expect(loadConfig({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_UI_URL: 'https://ui.example' }).temporal.uiUrl).toBe('https://ui.example');
  });

  it('names the variable when a value is wrong', () => {
    expect(() => loadConfig({ API_PORT: 'eighty' })).toThrow(new ConfigError('API_PORT', 'must be a port number (0-65535), got "eighty"'));
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/^DATABASE_URL: must use postgres: or postgresql:/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/^LOG_LEVEL: must be one of/);
    expect(() => loadConfig({ DATABASE_MAX_CONNECTIONS: '0' })).toThrow(/^DATABASE_MAX_CONNECTIONS: must be an integer >= 1/);
    expect(() => loadConfig({ SMTP_URL: 'http://mail.example' })).toThrow(/^SMTP_URL: must use smtp: or smtps:/);
  });

  it('takes a master key of exactly 32 bytes in base64 or hex, and names a truncated one', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ INSIGHTS_MASTER_KEY: key.toString('base64') }).secrets.masterKey).toBe(key.toString('base64'));
    expect(loadConfig({ INSIGHTS_MASTER_KEY: key.toString('hex'), INSIGHTS_MASTER_KEY_PREVIOUS: `${key.toString('base64')}, ${key.toString('base64url')}` }).secrets.previousMasterKeys).toHaveLength(2);
    expect(() => loadConfig({ INSIGHTS_MASTER_KEY: key.toString('base64').slice(0, 30) })).toThrow(/^INSIGHTS_MASTER_KEY: must be 32 random bytes/);
    expect(() => loadConfig({ INSIGHTS_MASTER_KEY_PREVIOUS: 'nope' })).toThrow(/^INSIGHTS_MASTER_KEY_PREVIOUS\[0\]: must be 32 random bytes/);
  });

  it('takes one plain support address, lower-cased, and refuses a display name', () => {
    expect(loadConfig({}).support.email).toBeUndefined();
    expect(loadConfig({ SUPPORT_EMAIL: 'Help@Example.com' }).support.email).toBe('help@example.com');
    expect(() => loadConfig({ SUPPORT_EMAIL: 'Support <a@b.c>' })).toThrow(/^SUPPORT_EMAIL: must be an email address/);
  });

  it('takes the model endpoint, the embedding model and the Pinecone hosts, and names a host that is no http(s) address', () => {
    const config = loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', OPENAI_MODEL: 'llama3.1', OPENAI_EMBEDDING_MODEL: 'nomic-embed-text', PINECONE_INDEX_HOST: 'https://runbooks-abc.svc.pinecone.io' });
    expect(config.openai).toMatchObject({ baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3.1', embeddingModel: 'nomic-embed-text' });
    expect(config.pinecone.indexHost).toBe('https://runbooks-abc.svc.pinecone.io');
    expect(loadConfig({}).openai.embeddingModel).toBeUndefined();
    expect(() => loadConfig({ PINECONE_INDEX_HOST: 'runbooks.svc.pinecone.io' })).toThrow(/^PINECONE_INDEX_HOST/);
    expect(() => loadConfig({ PINECONE_CONTROLLER_HOST: 'ftp://x' })).toThrow(/^PINECONE_CONTROLLER_HOST/);
  });

  it('takes the worker role, polling every queue by default, and names an unknown one', () => {
    expect(loadConfig({}).worker.role).toBe('all');
    expect(loadConfig({ WORKER_ROLE: 'automation' }).worker.role).toBe('automation');
    expect(() => loadConfig({ WORKER_ROLE: 'steps' })).toThrow(/^WORKER_ROLE: must be one of all, main, automation/);
  });

  it('turns TLS to Temporal on with an API key or a client certificate, and wants both halves of the certificate', () => {
    expect(loadConfig({}).temporal.tls).toBeUndefined();
    expect(loadConfig({ TEMPORAL_API_KEY: 'k' }).temporal).toMatchObject({ apiKey: 'k', tls: { certPath: undefined } });
    expect(loadConfig({ TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/k.pem', TEMPORAL_TLS_SERVER_NAME: 'ns.tmprl.cloud' }).temporal.tls).toEqual({
      certPath: '/c.pem',
      keyPath: '/k.pem',
      caPath: undefined,
      serverName: 'ns.tmprl.cloud',
    });
    expect(loadConfig({ TEMPORAL_TLS: 'true' }).temporal.tls).toEqual({ certPath: undefined, keyPath: undefined, caPath: undefined, serverName: undefined });
    expect(() => loadConfig({ TEMPORAL_TLS_CERT_PATH: '/c.pem' })).toThrow(/^TEMPORAL_TLS_KEY_PATH: mTLS needs both/);
    expect(() => loadConfig({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CERT_PATH: '/c.pem', TEMPORAL_TLS_KEY_PATH: '/k.pem' })).toThrow(/^TEMPORAL_TLS: cannot be false/);
  });

  it('leaves traces and error reports off by default, and takes a collector, a service name and a Sentry DSN', () => {
    expect(loadConfig({}).telemetry).toEqual({ otlpEndpoint: undefined, serviceName: undefined, sentryDsn: undefined, sentryEnvironment: 'development' });
    const on = loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_SERVICE_NAME: 'insights-eu', SENTRY_DSN: 'https://key@o1.ingest.sentry.io/2', NODE_ENV: 'production' });
    expect(on.telemetry).toEqual({ otlpEndpoint: 'http://collector:4318', serviceName: 'insights-eu', sentryDsn: 'https://key@o1.ingest.sentry.io/2', sentryEnvironment: 'production' });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(/^OTEL_EXPORTER_OTLP_ENDPOINT: /);
  });

  it('leaves /metrics open without METRICS_TOKEN, picks a free SDK exporter port by default, and names a bad port', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, temporalPort: 0 });
    expect(loadConfig({ METRICS_TOKEN: 'scrape-me', WORKER_TEMPORAL_METRICS_PORT: '9464' }).metrics).toEqual({ token: 'scrape-me', temporalPort: 9464 });
    expect(() => loadConfig({ WORKER_TEMPORAL_METRICS_PORT: 'x' })).toThrow(/^WORKER_TEMPORAL_METRICS_PORT: /);
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ DATABASE_URL: '  ', TEMPORAL_ADDRESS: '' }).database.url).toBeUndefined();
  });
});
