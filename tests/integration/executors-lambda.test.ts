// The Lambda executor through the real `@aws-sdk/client-lambda` (and `client-sts`) against the local Lambda server,
// which checks SigV4 signatures and runs the reference function: results, caps, redaction, idempotency, errors by kind.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExecutor, ExecutorError, type CommandExecutor, type LambdaTargetConfig } from '../../activities/executors/index.ts';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256, startLambdaServer, type TestLambdaServer } from '../../devkit/servers/lambda.ts';

let server: TestLambdaServer;
let dir: string;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/incident-insights-automation';
const EXTERNAL_ID = 'ii-external-7f3c';
const open: CommandExecutor[] = [];

function executor(overrides: Partial<LambdaTargetConfig> = {}, secrets = { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }) {
  const e = createExecutor({ kind: 'lambda', region: server.region, functionName: server.functionName, endpoint: server.url, ...overrides }, secrets);
  open.push(e);
  return e;
}

const request = (command: string, idempotencyKey: string, maxOutputBytes = 4096) => ({ command, idempotencyKey, timeoutSeconds: 10, maxOutputBytes });

async function rejection(promise: Promise<unknown>): Promise<ExecutorError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExecutorError);
  return error as ExecutorError;
}

beforeAll(async () => {
  server = await startLambdaServer({ roles: [{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }] });
  dir = await mkdtemp(join(tmpdir(), 'ii-lambda-'));
});

afterAll(async () => {
  await Promise.all(open.map((e) => e.close()));
  await server?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('Lambda executor', () => {
  it('returns stdout, stderr and the exit code, and sends only the documented payload', async () => {
    const result = await executor().run(request('echo out; echo err >&2; exit 0', 'run-1.0'));
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 0, truncated: false, alreadyRan: false });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(server.invocations.at(-1)?.payload).toEqual({ command: 'echo out; echo err >&2; exit 0', idempotencyKey: 'run-1.0', timeoutSeconds: 10, maxOutputBytes: 4096 });
  });

  it('reports a non-zero exit as a result, not an error', async () => {
    const result = await executor().run(request('echo failing >&2; exit 7', 'run-1.1'));
    expect(result).toMatchObject({ exitCode: 7, stderr: 'failing\n', alreadyRan: false });
    expect(result.targetError).toBeUndefined();
  });

  it('cuts output over the cap on a character boundary and says so', async () => {
    // 'é' is two bytes: a cap of 5 bytes must not split the third one.
    const result = await executor().run(request("printf 'ééééé'", 'run-1.2', 5));
    expect(result.truncated).toBe(true);
    expect(result.stdout).toBe('éé');
    expect(Buffer.byteLength(result.stdout)).toBeLessThanOrEqual(5);
  });

  it('redacts secrets in the output', async () => {
    const result = await executor().run(request('echo DB_PASSWORD=hunter2-very-secret; echo mail ops@example.com >&2', 'run-1.3'));
    expect(result.stdout).not.toContain('hunter2-very-secret');
    expect(result.stdout).toContain('[secret]');
    expect(result.stderr).not.toContain('ops@example.com');
  });

  it('runs a command once for the same idempotency key, returning the stored result the second time', async () => {
    const file = join(dir, 'appended');
    const command = `echo ran >> ${file}; cat ${file}`;
    const before = server.executions();
    const first = await executor().run(request(command, 'run-2.0'));
    // A retry from a fresh executor (another worker) with the same key.
    const second = await executor().run(request(command, 'run-2.0'));
    expect(first.alreadyRan).toBe(false);
    expect(second.alreadyRan).toBe(true);
    expect(second.stdout).toBe(first.stdout);
    expect(await readFile(file, 'utf8')).toBe('ran\n');
    expect(server.executions() - before).toBe(1);
  });

  it('refuses an idempotency key that could name another file, before calling the function', async () => {
    const calls = server.invocations.length;
    const error = await rejection(executor().run(request('true', '../etc/passwd')));
    expect(error.kind).toBe('invalid');
    expect(server.invocations.length).toBe(calls);
  });

  it('returns a function error as targetError with no exit code', async () => {
    server.setHandler(async () => {
      throw new TypeError('Cannot read properties of undefined');
    });
    try {
      const result = await executor().run(request('true', 'run-3.0'));
      expect(result.exitCode).toBeNull();
      expect(result.targetError).toContain('TypeError: Cannot read properties of undefined');
    } finally {
      server.setHandler(null);
    }
  });

  it('maps a wrong secret key (bad signature) to auth, and the function never runs', async () => {
    const calls = server.invocations.length;
    const error = await rejection(executor({}, { accessKeyId: server.accessKeyId, secretAccessKey: 'not-the-secret' }).run(request('touch /tmp/should-not-exist', 'run-4.0')));
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('InvalidSignatureException');
    expect(server.requests.at(-1)?.status).toBe(403);
    expect(server.invocations.length).toBe(calls);
  });

  it('refuses a correctly signed invocation whose command was changed in transit', async () => {
    const calls = server.invocations.length;
    const url = new URL(`${server.url}/2015-03-31/functions/${server.functionName}/invocations`);
    const signer = new SignatureV4({ credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey }, region: server.region, service: 'lambda', sha256: Sha256 });
    const body = JSON.stringify(request('echo harmless', 'run-4.1'));
    const signed = await signer.sign({ method: 'POST', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: url.pathname, query: {}, headers: { host: url.host, 'content-type': 'application/json' }, body });
    const tampered = body.replace('echo harmless', 'rm -rf /tmp/everything');
    const response = await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body: tampered });
    expect(response.status).toBe(403);
    expect(response.headers.get('x-amzn-errortype')).toBe('InvalidSignatureException');
    // The untouched request passes, so it is the changed body that was refused.
    expect((await fetch(url, { method: 'POST', headers: signed.headers as Record<string, string>, body })).status).toBe(200);
    expect(server.invocations.length).toBe(calls + 1);
    expect(server.invocations.at(-1)?.payload).toMatchObject({ command: 'echo harmless' });
  });

  it('maps an unknown access key to auth and an unknown function to invalid', async () => {
    expect((await rejection(executor({}, { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'x' }).verify())).kind).toBe('auth');
    expect((await rejection(executor({ functionName: 'no-such-function' }).verify())).kind).toBe('invalid');
  });

  it('maps throttling and 5xx to unavailable', async () => {
    server.failNext(1, 429, 'TooManyRequestsException', 'Rate Exceeded.');
    expect((await rejection(executor().run(request('true', 'run-5.0')))).kind).toBe('unavailable');
    server.failNext(1, 500, 'ServiceException', 'internal');
    expect((await rejection(executor().run(request('true', 'run-5.1')))).kind).toBe('unavailable');
  });

  it('verifies with GetFunction only: nothing is invoked', async () => {
    const calls = server.invocations.length;
    const requests = server.requests.length;
    const result = await executor().verify();
    expect(result.identity).toBe(server.functionArn());
    expect(result.details.runtime).toBe('nodejs20.x');
    expect(server.invocations.length).toBe(calls);
    expect(server.requests.slice(requests).map((r) => `${r.method} ${r.path}`)).toEqual([`GET /2015-03-31/functions/${server.functionName}`]);
  });

  it('assumes the role with the external id and signs with the temporary credentials', async () => {
    const e = executor({ roleArn: ROLE_ARN, externalId: EXTERNAL_ID });
    expect((await e.verify()).identity).toBe(server.functionArn());
    const result = await e.run(request('echo via-role', 'run-6.0'));
    expect(result.stdout).toBe('via-role\n');
    expect(server.invocations.at(-1)?.accessKeyId).toMatch(/^ASIA/);
  });

  it('refuses the role without the right external id (the confused deputy) as auth', async () => {
    const calls = server.invocations.length;
    const error = await rejection(executor({ roleArn: ROLE_ARN, externalId: 'someone-elses-id' }).run(request('true', 'run-6.1')));
    expect(error.kind).toBe('auth');
    expect(server.invocations.length).toBe(calls);
  });
});
