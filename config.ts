// The only reader of process.env: parses, validates and defaults every setting (see docs/configuration.md).
import { resolve } from 'node:path';

export interface Config {
  readonly env: 'development' | 'production' | 'test';
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Folder for everything the embedded defaults persist (PGlite data, Temporal's SQLite file, logs). */
  readonly dataDir: string;
  /** Folder for tools installed on first use (the Temporal CLI). */
  readonly toolsDir: string;
  readonly database: {
    /** Unset: `npm start` serves an embedded PGlite over the wire protocol and fills this in for its children. */
    readonly url: string | undefined;
    readonly embeddedPort: number;
    readonly maxConnections: number;
  };
  readonly temporal: {
    /** Unset: `npm start` runs `temporal server start-dev` and fills this in for its children. */
    readonly address: string | undefined;
    readonly namespace: string;
    readonly cliPath: string | undefined;
    readonly devServerPort: number;
    readonly uiPort: number;
    /** Where a browser reaches the Temporal Web UI; links in the product point there. */
    readonly uiUrl: string | undefined;
    /** The main task queue; several deployments (or test runs) can share one Temporal namespace with their own. */
    readonly taskQueue: string;
    /** Temporal Cloud's API key (sent as a bearer token over TLS); unset for a self-hosted cluster or mTLS. */
    readonly apiKey: string | undefined;
    /**
     * TLS to the frontend: on with an API key or a client certificate, or with TEMPORAL_TLS=true (server-verified
     * only). `certPath`/`keyPath`: the client certificate for mTLS; `caPath`: a private CA; `serverName`: SNI override.
     */
    readonly tls:
      | { readonly certPath: string | undefined; readonly keyPath: string | undefined; readonly caPath: string | undefined; readonly serverName: string | undefined }
      | undefined;
  };
  /**
   * `trustProxy`: which peers may say who the client is (X-Forwarded-For): the web server, a load balancer. Per-address
   * limits (sign-in) count the client's address, not the proxy's.
   */
  /** `publicUrl`: where ticket tools reach the API (webhook URLs shown to users). */
  readonly api: { readonly host: string; readonly port: number; readonly trustProxy: string; readonly publicUrl: string };
  /**
   * `allowCustomVendorUrls`: integrations may name their own API host (the simulators, a proxy); off in production,
   * where a user-chosen host would let the worker call anything on its network with a stored key (SSRF).
   */
  readonly ingestion: { readonly allowCustomVendorUrls: boolean };
  readonly web: { readonly host: string; readonly port: number; readonly origin: string };
  /** `healthPort` 0 turns the worker's health endpoint off (a standalone worker; `npm start` needs it). */
  /**
   * `role`: which task queues this worker polls: `all` (the default: workflows, their activities and automation
   * steps), `main` (everything but automation steps), `automation` (only automation step and verify activities, on
   * `<TEMPORAL_TASK_QUEUE>-automation`, for workers holding the credentials for customer infrastructure).
   */
  /** `shutdownGraceSeconds`: after SIGTERM, how long in-flight activities may finish before they are cancelled. */
  readonly worker: { readonly healthHost: string; readonly healthPort: number; readonly role: 'all' | 'main' | 'automation'; readonly shutdownGraceSeconds: number };
  /** The PATH searched for the `temporal` CLI. */
  readonly searchPath: string;
  /**
   * `masterKey`: 32 bytes (base64 or hex) that encrypt stored secrets (AES-256-GCM); `previousMasterKeys` still
   * decrypt what older keys sealed, while a rotation re-seals it.
   */
  readonly secrets: { readonly masterKey: string | undefined; readonly previousMasterKeys: readonly string[]; readonly jwtSecret: string | undefined };
  readonly auth: {
    readonly accessTokenTtlSeconds: number;
    readonly sessionTtlDays: number;
    /** Refresh cookies set by the API carry `Secure` (on by default in production). */
    readonly cookieSecure: boolean;
    /** Sign-ups and password-reset requests per client address and minute (each costs a password hash or an email). */
    readonly signUpsPerMinute: number;
  };
  /**
   * Email: with `smtpUrl` (smtp:// or smtps://, credentials in the URL) the worker sends what the outbox holds;
   * without it, emails stay in the outbox for a developer to read (`npm run outbox`).
   */
  readonly email: { readonly smtpUrl: string | undefined; readonly from: string };
  /** `email`: where support tickets are also sent (through the outbox); unset, they stay in the product only. */
  readonly support: { readonly email: string | undefined };
  /**
   * `embeddingModel`: with it (and a base URL or key), runbook chunks are embedded by that endpoint for accounts that
   * allow LLM use; without it, by the local deterministic embedding.
   */
  readonly openai: { readonly baseUrl: string | undefined; readonly apiKey: string | undefined; readonly model: string | undefined; readonly embeddingModel: string | undefined };
  /**
   * The runbook index in Pinecone (key and index name or host); unset, it lives in PostgreSQL. `indexHost` skips the
   * control-plane lookup; `controllerHost` points the SDK at another control plane (the local test server).
   */
  readonly pinecone: {
    readonly apiKey: string | undefined;
    readonly index: string | undefined;
    readonly indexHost: string | undefined;
    readonly controllerHost: string | undefined;
  };
  readonly aws: { readonly region: string | undefined };
  /**
   * Prometheus `/metrics` on the API and the worker's health port. `token`: scrapes must send `Authorization: Bearer
   * <token>` (unset: open, for a network only Prometheus reaches). `temporalPort`: the loopback port of the Temporal
   * SDK's own exporter in the worker, appended to its scrape (0: a free one).
   */
  readonly metrics: { readonly token: string | undefined; readonly temporalPort: number };
  /**
   * Traces and error reports, both off unless configured. `otlpEndpoint`: an OTLP/HTTP collector's base URL (spans go
   * to `<endpoint>/v1/traces`); `serviceName` replaces each process's own (`incident-insights-api`, `-worker`, `-web`);
   * `sentryDsn`: errors (only errors) go to Sentry, scrubbed of secrets; `sentryEnvironment` tags them.
   */
  readonly telemetry: {
    readonly otlpEndpoint: string | undefined;
    readonly serviceName: string | undefined;
    readonly sentryDsn: string | undefined;
    readonly sentryEnvironment: string;
  };
}

export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.variable = variable;
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function port(env: Env, name: string, fallback: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(name, `must be a port number (0-65535), got "${raw}"`);
  return n;
}

function int(env: Env, name: string, fallback: number, min: number): number {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new ConfigError(name, `must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

/** Signs access tokens: long enough to resist guessing (256 bits as base64 or hex is 43+ characters). */
function jwtSecret(env: Env): string | undefined {
  const raw = str(env, 'JWT_SECRET');
  if (raw !== undefined && raw.length < 32) throw new ConfigError('JWT_SECRET', 'must be at least 32 characters (use `openssl rand -base64 48`)');
  return raw;
}

/** A 256-bit key given as base64 (44 characters) or hex (64): anything else is a typo or a truncated paste. */
export function decodeMasterKey(raw: string): Buffer {
  if (/^[0-9a-f]{64}$/i.test(raw)) return Buffer.from(raw, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(raw)) return Buffer.from(raw.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  throw new Error('must be 32 random bytes in base64 or hex (use `openssl rand -base64 32`)');
}

function masterKey(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  try {
    decodeMasterKey(raw);
  } catch (err) {
    throw new ConfigError(name, (err as Error).message);
  }
  return raw;
}

/** One address, without a display name: it becomes an email's recipient as it is. */
function emailAddress(env: Env, name: string): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  if (raw.length > 254 || !/^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/.test(raw)) throw new ConfigError(name, `must be an email address, got "${raw}"`);
  return raw.toLowerCase();
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = str(env, name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = str(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'must be a URL');
  }
  if (!protocols.includes(parsed.protocol)) throw new ConfigError(name, `must use ${protocols.join(' or ')}`);
  return raw;
}

/** mTLS needs both halves of the client certificate; an API key or TEMPORAL_TLS=true alone means server-verified TLS. */
function temporalTls(env: Env): Config['temporal']['tls'] {
  const certPath = str(env, 'TEMPORAL_TLS_CERT_PATH');
  const keyPath = str(env, 'TEMPORAL_TLS_KEY_PATH');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    throw new ConfigError(certPath ? 'TEMPORAL_TLS_KEY_PATH' : 'TEMPORAL_TLS_CERT_PATH', 'mTLS needs both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH');
  }
  const caPath = str(env, 'TEMPORAL_TLS_CA_PATH');
  const serverName = str(env, 'TEMPORAL_TLS_SERVER_NAME');
  const on = bool(env, 'TEMPORAL_TLS', certPath !== undefined || caPath !== undefined || serverName !== undefined || str(env, 'TEMPORAL_API_KEY') !== undefined);
  if (!on) {
    if (certPath) throw new ConfigError('TEMPORAL_TLS', 'cannot be false with a client certificate (TEMPORAL_TLS_CERT_PATH)');
    return undefined;
  }
  return { certPath, keyPath, caPath, serverName };
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development');
  const dataDir = resolve(str(env, 'DATA_DIR') ?? '.data');
  const apiHost = str(env, 'API_HOST') ?? '127.0.0.1';
  const apiPort = port(env, 'API_PORT', 3001);
  const webHost = str(env, 'WEB_HOST') ?? '127.0.0.1';
  const webPort = port(env, 'WEB_PORT', 3000);
  const uiPort = port(env, 'TEMPORAL_UI_PORT', 8233);
  const temporalAddress = str(env, 'TEMPORAL_ADDRESS');
  const config: Config = {
    env: nodeEnv,
    logLevel: oneOf(env, 'LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, nodeEnv === 'test' ? 'warn' : 'info'),
    dataDir,
    toolsDir: resolve(str(env, 'TOOLS_DIR') ?? '.tools'),
    database: {
      url: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
      embeddedPort: port(env, 'PGLITE_PORT', 5433),
      maxConnections: int(env, 'DATABASE_MAX_CONNECTIONS', 10, 1),
    },
    temporal: {
      address: temporalAddress,
      namespace: str(env, 'TEMPORAL_NAMESPACE') ?? 'default',
      cliPath: str(env, 'TEMPORAL_CLI_PATH'),
      devServerPort: port(env, 'TEMPORAL_PORT', 7233),
      uiPort,
      uiUrl: url(env, 'TEMPORAL_UI_URL', ['http:', 'https:']) ?? (temporalAddress ? undefined : `http://127.0.0.1:${uiPort}`),
      taskQueue: str(env, 'TEMPORAL_TASK_QUEUE') ?? 'incident-insights',
      apiKey: str(env, 'TEMPORAL_API_KEY'),
      tls: temporalTls(env),
    },
    api: {
      host: apiHost,
      port: apiPort,
      trustProxy: str(env, 'TRUST_PROXY') ?? 'loopback',
      publicUrl: (url(env, 'PUBLIC_API_URL', ['http:', 'https:']) ?? `http://127.0.0.1:${apiPort}`).replace(/\/+$/, ''),
    },
    ingestion: { allowCustomVendorUrls: bool(env, 'ALLOW_CUSTOM_VENDOR_URLS', nodeEnv !== 'production') },
    web: {
      host: webHost,
      port: webPort,
      origin: url(env, 'ORIGIN', ['http:', 'https:']) ?? `http://127.0.0.1:${webPort}`,
    },
    worker: {
      healthHost: str(env, 'WORKER_HEALTH_HOST') ?? '127.0.0.1',
      healthPort: port(env, 'WORKER_HEALTH_PORT', 3002),
      role: oneOf(env, 'WORKER_ROLE', ['all', 'main', 'automation'] as const, 'all'),
      shutdownGraceSeconds: int(env, 'WORKER_SHUTDOWN_GRACE_SECONDS', 30, 0),
    },
    searchPath: env.PATH ?? '',
    secrets: {
      masterKey: masterKey(env, 'INSIGHTS_MASTER_KEY'),
      previousMasterKeys: (str(env, 'INSIGHTS_MASTER_KEY_PREVIOUS') ?? '')
        .split(',')
        .map((k) => k.trim())
        .filter(Boolean)
        .map((k, i) => masterKey({ [`INSIGHTS_MASTER_KEY_PREVIOUS[${i}]`]: k }, `INSIGHTS_MASTER_KEY_PREVIOUS[${i}]`)!),
      jwtSecret: jwtSecret(env),
    },
    auth: {
      accessTokenTtlSeconds: int(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30),
      sessionTtlDays: int(env, 'SESSION_TTL_DAYS', 30, 1),
      cookieSecure: bool(env, 'COOKIE_SECURE', nodeEnv === 'production'),
      signUpsPerMinute: int(env, 'SIGNUP_RATE_LIMIT_PER_MINUTE', 10, 1),
    },
    email: { smtpUrl: url(env, 'SMTP_URL', ['smtp:', 'smtps:']), from: str(env, 'SMTP_FROM') ?? 'Incident Insights <no-reply@incident-insights.local>' },
    support: { email: emailAddress(env, 'SUPPORT_EMAIL') },
    openai: {
      baseUrl: url(env, 'OPENAI_BASE_URL', ['http:', 'https:']),
      apiKey: str(env, 'OPENAI_API_KEY'),
      model: str(env, 'OPENAI_MODEL'),
      embeddingModel: str(env, 'OPENAI_EMBEDDING_MODEL'),
    },
    pinecone: {
      apiKey: str(env, 'PINECONE_API_KEY'),
      index: str(env, 'PINECONE_INDEX'),
      indexHost: url(env, 'PINECONE_INDEX_HOST', ['http:', 'https:']),
      controllerHost: url(env, 'PINECONE_CONTROLLER_HOST', ['http:', 'https:']),
    },
    aws: { region: str(env, 'AWS_REGION') },
    metrics: { token: str(env, 'METRICS_TOKEN'), temporalPort: port(env, 'WORKER_TEMPORAL_METRICS_PORT', 0) },
    telemetry: {
      otlpEndpoint: url(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', ['http:', 'https:'])?.replace(/\/+$/, ''),
      serviceName: str(env, 'OTEL_SERVICE_NAME'),
      sentryDsn: url(env, 'SENTRY_DSN', ['http:', 'https:']),
      sentryEnvironment: str(env, 'SENTRY_ENVIRONMENT') ?? nodeEnv,
    },
  };
  return Object.freeze(config);
}

/** Variables that carry secrets: only the processes that use them receive them. */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'INSIGHTS_MASTER_KEY',
  'INSIGHTS_MASTER_KEY_PREVIOUS',
  'JWT_SECRET',
  'OPENAI_API_KEY',
  'PINECONE_API_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'SMTP_URL',
  'TEMPORAL_API_KEY',
  'METRICS_TOKEN',
  // Read by the OTLP exporter itself (a collector's API key).
  'OTEL_EXPORTER_OTLP_HEADERS',
] as const;

/**
 * The environment a child process receives: ours, plus the addresses resolved at start-up. `withoutSecrets` for a
 * child that needs none (the web server, the embedded database, the Temporal dev server).
 */
export function childEnv(overrides: Record<string, string>, options: { withoutSecrets?: boolean } = {}): Record<string, string> {
  const merged: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) merged[k] = v;
  if (options.withoutSecrets) for (const name of SECRET_VARIABLES) delete merged[name];
  return { ...merged, ...overrides };
}
