// The reference Lambda function teams deploy for Incident Insights automations (Node 20 runtime, no dependencies
// beyond the runtime's own AWS SDK): runs one step's command, caps its output and remembers idempotency keys.
//
// Event:  { command, idempotencyKey, timeoutSeconds, maxOutputBytes }
// Result: { stdout, stderr, exitCode, truncated, alreadyRan }
// Idempotency: with IDEMPOTENCY_TABLE set (a DynamoDB table whose partition key is the string `idempotencyKey`),
// a conditional write claims the key before the command runs, so a retried invocation returns the stored result
// instead of running the command again. Without it, keys are remembered only inside one warm container.
import { spawn } from 'node:child_process';

const KEY = /^[A-Za-z0-9._-]{1,128}$/;
const DEFAULT_MAX_OUTPUT = 64 * 1024;
const DEFAULT_TIMEOUT = 60;

/** Runs `command` with /bin/sh -c; stdout and stderr each kept to maxOutputBytes (cut on a UTF-8 boundary). */
export function runShell(command, { timeoutSeconds = DEFAULT_TIMEOUT, maxOutputBytes = DEFAULT_MAX_OUTPUT, env } = {}) {
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env, detached: true });
    const out = collector(maxOutputBytes);
    const err = collector(maxOutputBytes);
    child.stdout.on('data', out.push);
    child.stderr.on('data', err.push);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid, 'SIGKILL'); // the whole process group: the shell and what it started
      } catch {
        child.kill('SIGKILL');
      }
    }, Math.max(1, timeoutSeconds) * 1000);
    const finish = (exitCode, extra) => {
      clearTimeout(timer);
      const stderr = err.text() + (extra ? `${extra}\n` : '');
      resolve({ stdout: out.text(), stderr, exitCode, truncated: out.truncated() || err.truncated() });
    };
    child.on('error', (error) => finish(null, `could not start /bin/sh: ${error.message}`));
    child.on('close', (code) => finish(timedOut ? null : code, timedOut ? `timed out after ${timeoutSeconds}s` : undefined));
  });
}

function collector(max) {
  const chunks = [];
  let size = 0;
  let cut = false;
  return {
    push(chunk) {
      if (size >= max) {
        cut = true;
        return;
      }
      const room = max - size;
      if (chunk.length > room) cut = true;
      const kept = chunk.subarray(0, room);
      chunks.push(kept);
      size += kept.length;
    },
    text() {
      const bytes = Buffer.concat(chunks);
      return bytes.subarray(0, cut ? completeUtf8Length(bytes) : bytes.length).toString('utf8');
    },
    truncated: () => cut,
  };
}

/** The length of `bytes` without a character cut off at its end. */
function completeUtf8Length(bytes) {
  let lead = bytes.length - 1;
  while (lead > 0 && (bytes[lead] & 0xc0) === 0x80) lead--;
  if (lead < 0) return 0;
  const b = bytes[lead];
  const width = b < 0x80 ? 1 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
  return lead + width > bytes.length ? lead : bytes.length;
}

/** Keys remembered in memory: for one warm container, and for the local test server. */
export function memoryStore() {
  const entries = new Map();
  return {
    async claim(key) {
      const existing = entries.get(key);
      if (existing) return existing;
      const entry = { status: 'running' };
      entry.pending = new Promise((resolve) => (entry.settle = resolve));
      entries.set(key, entry);
      return null;
    },
    async save(key, result) {
      const entry = entries.get(key);
      entries.set(key, { status: 'completed', result });
      entry?.settle?.(result);
    },
    async release(key) {
      const entry = entries.get(key);
      entries.delete(key);
      entry?.settle?.(undefined);
    },
  };
}

/** Keys claimed with a DynamoDB conditional write (attribute_not_exists), so retries across containers run once. */
export async function dynamoStore(tableName) {
  const { DynamoDBClient, PutItemCommand, GetItemCommand, UpdateItemCommand, DeleteItemCommand } = await import('@aws-sdk/client-dynamodb');
  const db = new DynamoDBClient({});
  const Key = (key) => ({ idempotencyKey: { S: key } });
  return {
    async claim(key) {
      try {
        await db.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...Key(key), status: { S: 'running' }, claimedAt: { S: new Date().toISOString() } },
            ConditionExpression: 'attribute_not_exists(idempotencyKey)',
          }),
        );
        return null;
      } catch (error) {
        if (error?.name !== 'ConditionalCheckFailedException') throw error;
        const { Item } = await db.send(new GetItemCommand({ TableName: tableName, Key: Key(key), ConsistentRead: true }));
        if (Item?.status?.S === 'completed') return { status: 'completed', result: JSON.parse(Item.result.S) };
        return { status: 'running' };
      }
    },
    async save(key, result) {
      await db.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: Key(key),
          UpdateExpression: 'SET #s = :s, #r = :r',
          ExpressionAttributeNames: { '#s': 'status', '#r': 'result' },
          ExpressionAttributeValues: { ':s': { S: 'completed' }, ':r': { S: JSON.stringify(result) } },
        }),
      );
    },
    async release(key) {
      await db.send(new DeleteItemCommand({ TableName: tableName, Key: Key(key) }));
    },
  };
}

/** The function's semantics, with the idempotency store and the command runner injected. */
export async function execute(event, store, run = runShell) {
  const { command, idempotencyKey, timeoutSeconds = DEFAULT_TIMEOUT, maxOutputBytes = DEFAULT_MAX_OUTPUT } = event ?? {};
  if (typeof command !== 'string' || command.length === 0) throw new Error('command must be a non-empty string');
  if (typeof idempotencyKey !== 'string' || !KEY.test(idempotencyKey)) throw new Error('idempotencyKey must match [A-Za-z0-9._-]{1,128}');
  const stored = await store.claim(idempotencyKey);
  if (stored) {
    const result = stored.status === 'completed' ? stored.result : stored.pending ? await stored.pending : undefined;
    if (result) return { ...result, alreadyRan: true };
    return { stdout: '', stderr: 'a run with this idempotency key is still in progress\n', exitCode: null, truncated: false, alreadyRan: true };
  }
  let result;
  try {
    result = await run(command, { timeoutSeconds, maxOutputBytes });
  } catch (error) {
    await store.release(idempotencyKey);
    throw error;
  }
  await store.save(idempotencyKey, result);
  return { ...result, alreadyRan: false };
}

let storePromise;
export async function handler(event) {
  storePromise ??= process.env.IDEMPOTENCY_TABLE ? dynamoStore(process.env.IDEMPOTENCY_TABLE) : Promise.resolve(memoryStore());
  return execute(event, await storePromise);
}
