// A local server speaking the AWS Lambda API (Invoke, GetFunction) and STS AssumeRole for tests and the demo: it
// verifies SigV4 signatures with the known test secret, so the real `@aws-sdk/client-lambda` and `client-sts` run
// against it, and it runs the reference function (deploy/lambda/handler.mjs) in-process, idempotency keys included.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignatureV4 } from '@smithy/signature-v4';
import { execute, memoryStore, runShell, type CommandRunner, type IdempotencyStore } from '../../deploy/lambda/handler.mjs';

export const TEST_ACCESS_KEY_ID = 'AKIAINCIDENTTEST0001';
export const TEST_SECRET_ACCESS_KEY = 'test/lambda/secret/key+incident-insights0';
export const TEST_ACCOUNT_ID = '123456789012';

export interface RecordedLambdaRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
  /** The access key id the request was signed with (whether or not the signature held). */
  accessKeyId?: string;
}

export interface RecordedInvocation {
  functionName: string;
  payload: unknown;
  accessKeyId: string;
  receivedAt: Date;
}

/** What the function does with an event: default the reference function's semantics (execute with /bin/sh -c). */
export type LambdaFunctionHandler = (event: unknown) => Promise<unknown>;

export interface LambdaRole {
  roleArn: string;
  /** When set, AssumeRole must present exactly this external id (the confused-deputy guard). */
  externalId?: string;
}

export interface LambdaServerOptions {
  region?: string;
  /** Functions that exist; default `incident-insights-runner`. */
  functions?: string[];
  /** Roles STS may hand out (to callers signing with the test key). */
  roles?: LambdaRole[];
  /** Replaces the shell runner of the reference function (the idempotency store stays). */
  runner?: CommandRunner;
}

export interface TestLambdaServer {
  url: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  functionName: string;
  functionArn(name?: string): string;
  requests: RecordedLambdaRequest[];
  invocations: RecordedInvocation[];
  /** How many times a command actually started (idempotent repeats excluded). */
  executions(): number;
  /** Replace what a function does (e.g. throw, to produce a function error); null restores the reference function. */
  setHandler(handler: LambdaFunctionHandler | null): void;
  /** The next `count` requests answer with this AWS error before doing anything (throttling, 5xx). */
  failNext(count: number, status: number, errorType: string, message?: string): void;
  close(): Promise<void>;
}

/** Node's hashes in the shape `@smithy/signature-v4` expects (what `@smithy/hash-node` does). */
export class Sha256 {
  private readonly hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(toBuffer(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    throw new Error('not supported');
  }
}

function toBuffer(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/;

interface Credential {
  secretAccessKey: string;
  sessionToken?: string;
}

export async function startLambdaServer(options: LambdaServerOptions = {}): Promise<TestLambdaServer> {
  const region = options.region ?? 'us-east-1';
  const functions = new Set(options.functions ?? ['incident-insights-runner']);
  const roles = options.roles ?? [];
  const credentials = new Map<string, Credential>([[TEST_ACCESS_KEY_ID, { secretAccessKey: TEST_SECRET_ACCESS_KEY }]]);
  const requests: RecordedLambdaRequest[] = [];
  const invocations: RecordedInvocation[] = [];
  const stores = new Map<string, IdempotencyStore>();
  const failures: { status: number; errorType: string; message: string }[] = [];
  let executions = 0;
  let customHandler: LambdaFunctionHandler | null = null;
  const runner = options.runner ?? runShell;
  const countingRunner: CommandRunner = (command, runOptions) => {
    executions++;
    return runner(command, runOptions);
  };
  const arn = (name: string) => `arn:aws:lambda:${region}:${TEST_ACCOUNT_ID}:function:${name}`;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks), res).catch((error: unknown) => {
        send(res, 500, { 'x-amzn-errortype': 'ServiceException' }, { message: String(error) });
      });
    });
  });

  function send(res: ServerResponse, status: number, headers: Record<string, string>, body: unknown, contentType = 'application/json') {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': randomBytes(16).toString('hex'), ...headers });
    res.end(text);
  }

  function awsError(res: ServerResponse, status: number, errorType: string, message: string) {
    send(res, status, { 'x-amzn-errortype': errorType }, { Type: 'User', message });
  }

  async function verifySignature(req: IncomingMessage, body: Buffer, service: string): Promise<{ ok: true; accessKeyId: string } | { ok: false; accessKeyId?: string; errorType: string; message: string }> {
    const match = AUTHORIZATION.exec(String(req.headers.authorization ?? ''));
    if (!match) return { ok: false, errorType: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    const [, accessKeyId, , credentialRegion, credentialService, signedHeaders, signature] = match as unknown as string[];
    const credential = credentials.get(accessKeyId!);
    if (!credential) return { ok: false, accessKeyId, errorType: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    if (credentialRegion !== region || credentialService !== service)
      return { ok: false, accessKeyId, errorType: 'InvalidSignatureException', message: `Credential should be scoped to a valid region and service ${service}.` };
    if (credential.sessionToken && req.headers['x-amz-security-token'] !== credential.sessionToken)
      return { ok: false, accessKeyId, errorType: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
    const amzDate = String(req.headers['x-amz-date'] ?? '');
    const dateMatch = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
    if (!dateMatch) return { ok: false, accessKeyId, errorType: 'InvalidSignatureException', message: 'missing or malformed X-Amz-Date' };
    const [, y, mo, d, h, mi, s] = dateMatch.map(Number) as number[];
    const signingDate = new Date(Date.UTC(y!, mo! - 1, d!, h!, mi!, s!));
    if (Math.abs(Date.now() - signingDate.getTime()) > 15 * 60_000) return { ok: false, accessKeyId, errorType: 'InvalidSignatureException', message: 'Signature expired' };

    const url = new URL(req.url ?? '/', 'http://local');
    const query: Record<string, string | string[]> = {};
    for (const [key, value] of url.searchParams) {
      const prior = query[key];
      query[key] = prior === undefined ? value : Array.isArray(prior) ? [...prior, value] : [prior, value];
    }
    const headers: Record<string, string> = {};
    for (const name of signedHeaders!.split(';')) {
      const value = req.headers[name];
      if (value === undefined) return { ok: false, accessKeyId, errorType: 'InvalidSignatureException', message: `signed header ${name} missing` };
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    // A client may send the body's hash in x-amz-content-sha256 (the signer then trusts that header instead of hashing
    // the body), so the header must match the body that actually arrived.
    const declaredHash = headers['x-amz-content-sha256'];
    if (declaredHash !== undefined && declaredHash !== createHash('sha256').update(body).digest('hex'))
      return { ok: false, accessKeyId, errorType: 'InvalidSignatureException', message: 'The provided x-amz-content-sha256 header does not match what was computed.' };
    const signer = new SignatureV4({
      credentials: { accessKeyId: accessKeyId!, secretAccessKey: credential.secretAccessKey, sessionToken: credential.sessionToken },
      region,
      service,
      sha256: Sha256,
      // The path arrives already escaped once; the SDK signed it escaped again (every service but S3 does).
      uriEscapePath: true,
    });
    const [host, port] = (headers.host ?? '').split(':');
    const signed = await signer.sign(
      { method: req.method ?? 'GET', protocol: 'http:', hostname: host ?? '', port: port ? Number(port) : undefined, path: url.pathname, query, headers, body },
      { signingDate, signableHeaders: new Set(signedHeaders!.split(';')), unsignableHeaders: new Set() },
    );
    const expected = /Signature=([0-9a-f]{64})/.exec(String(signed.headers.authorization ?? signed.headers.Authorization))?.[1] ?? '';
    const ok = expected.length === 64 && timingSafeEqual(Buffer.from(expected), Buffer.from(signature!));
    if (!ok)
      return {
        ok: false,
        accessKeyId,
        errorType: 'InvalidSignatureException',
        message: 'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method.',
      };
    return { ok: true, accessKeyId: accessKeyId! };
  }

  async function handle(req: IncomingMessage, body: Buffer, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://local');
    const record: RecordedLambdaRequest = { method: req.method ?? '', path: url.pathname, headers: req.headers, status: 0 };
    requests.push(record);
    res.on('finish', () => (record.status = res.statusCode));

    const isSts = req.method === 'POST' && url.pathname === '/' && String(req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    const auth = await verifySignature(req, body, isSts ? 'sts' : 'lambda');
    record.accessKeyId = auth.accessKeyId;
    if (!auth.ok) {
      if (isSts) return stsError(res, 403, auth.errorType === 'InvalidSignatureException' ? 'SignatureDoesNotMatch' : 'InvalidClientTokenId', auth.message);
      return awsError(res, 403, auth.errorType, auth.message);
    }
    const failure = failures.shift();
    if (failure) return awsError(res, failure.status, failure.errorType, failure.message);
    if (isSts) return assumeRole(new URLSearchParams(body.toString('utf8')), res);

    const invoke = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
    const get = /^\/2015-03-31\/functions\/([^/]+)$/.exec(url.pathname);
    const rawName = decodeURIComponent((invoke ?? get)?.[1] ?? '');
    // A full ARN names the function too.
    const name = rawName.startsWith('arn:') ? (rawName.split(':')[6] ?? '') : rawName;
    if (!invoke && !get) return awsError(res, 404, 'UnknownOperationException', `no route for ${req.method} ${url.pathname}`);
    if (!functions.has(name)) return awsError(res, 404, 'ResourceNotFoundException', `Function not found: ${arn(name)}`);

    if (get && req.method === 'GET') {
      return send(res, 200, {}, {
        Configuration: {
          FunctionName: name,
          FunctionArn: arn(name),
          Runtime: 'nodejs20.x',
          Role: `arn:aws:iam::${TEST_ACCOUNT_ID}:role/incident-insights-runner`,
          Handler: 'handler.handler',
          CodeSize: 4096,
          Timeout: 900,
          MemorySize: 256,
          LastModified: '2026-01-01T00:00:00.000+0000',
          Version: '$LATEST',
          State: 'Active',
          PackageType: 'Zip',
          Architectures: ['arm64'],
        },
        Code: { RepositoryType: 'S3', Location: 'https://example.invalid/code.zip' },
        Tags: {},
      });
    }
    if (!invoke || req.method !== 'POST') return awsError(res, 404, 'UnknownOperationException', `no route for ${req.method} ${url.pathname}`);

    let event: unknown;
    try {
      event = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return awsError(res, 400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }
    invocations.push({ functionName: name, payload: event, accessKeyId: auth.accessKeyId, receivedAt: new Date() });
    let store = stores.get(name);
    if (!store) stores.set(name, (store = memoryStore()));
    try {
      const result = customHandler ? await customHandler(event) : await execute(event, store, countingRunner);
      send(res, 200, { 'x-amz-executed-version': '$LATEST' }, result ?? null);
    } catch (error) {
      const err = error instanceof Error ? error : new Error(String(error));
      send(res, 200, { 'x-amz-executed-version': '$LATEST', 'x-amz-function-error': 'Unhandled' }, {
        errorType: err.name || 'Error',
        errorMessage: err.message,
        trace: (err.stack ?? '').split('\n'),
      });
    }
  }

  function stsError(res: ServerResponse, status: number, code: string, message: string) {
    send(
      res,
      status,
      {},
      `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${randomBytes(8).toString('hex')}</RequestId></ErrorResponse>`,
      'text/xml',
    );
  }

  function assumeRole(params: URLSearchParams, res: ServerResponse) {
    if (params.get('Action') !== 'AssumeRole') return stsError(res, 400, 'InvalidAction', `unsupported action ${params.get('Action')}`);
    const role = roles.find((r) => r.roleArn === params.get('RoleArn'));
    const sessionName = params.get('RoleSessionName') ?? '';
    if (!role || (role.externalId !== undefined && params.get('ExternalId') !== role.externalId))
      return stsError(res, 403, 'AccessDenied', `User: arn:aws:iam::${TEST_ACCOUNT_ID}:user/test is not authorized to perform: sts:AssumeRole on resource: ${params.get('RoleArn')}`);
    const accessKeyId = `ASIA${randomBytes(8).toString('hex').toUpperCase()}`;
    const secretAccessKey = randomBytes(30).toString('base64');
    const sessionToken = randomBytes(48).toString('base64');
    credentials.set(accessKeyId, { secretAccessKey, sessionToken });
    const expiration = new Date(Date.now() + 3600_000).toISOString();
    const roleName = role.roleArn.split('/').pop();
    send(
      res,
      200,
      {},
      `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><AssumedRoleUser><AssumedRoleId>AROATEST:${escapeXml(sessionName)}</AssumedRoleId><Arn>arn:aws:sts::${TEST_ACCOUNT_ID}:assumed-role/${escapeXml(roleName ?? '')}/${escapeXml(sessionName)}</Arn></AssumedRoleUser><Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${escapeXml(secretAccessKey)}</SecretAccessKey><SessionToken>${escapeXml(sessionToken)}</SessionToken><Expiration>${expiration}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>${randomBytes(8).toString('hex')}</RequestId></ResponseMetadata></AssumeRoleResponse>`,
      'text/xml',
    );
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const firstFunction = [...functions][0] ?? 'incident-insights-runner';
  return {
    url: `http://127.0.0.1:${port}`,
    region,
    accessKeyId: TEST_ACCESS_KEY_ID,
    secretAccessKey: TEST_SECRET_ACCESS_KEY,
    functionName: firstFunction,
    functionArn: (name = firstFunction) => arn(name),
    requests,
    invocations,
    executions: () => executions,
    setHandler(handler) {
      customHandler = handler;
    },
    failNext(count, status, errorType, message = errorType) {
      for (let i = 0; i < count; i++) failures.push({ status, errorType, message });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
