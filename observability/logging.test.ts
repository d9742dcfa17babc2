import { describe, expect, it } from 'vitest';
import { createWorkerLogger, serializeError } from './logging.ts';
import { scrubEvent } from './sentry.ts';

describe('createWorkerLogger', () => {
  it('writes one JSON line per entry with the SDK attributes, secrets redacted in the message and the meta', () => {
    const lines: string[] = [];
    const logger = createWorkerLogger('INFO', { write: (line) => lines.push(line) });
    logger.info('connecting to postgres://app:hunter2hunter2@db:5432/x', { workflowId: 'echo/a/b', activityType: 'writeEcho', apiKey: 'abcd1234efgh5678', taskToken: 'CiQwMWEy', error: new Error('token=ghp_0123456789abcdefghij0123456789abcdef') });
    logger.debug('below the level');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'info', service: 'incident-insights-worker', workflowId: 'echo/a/b', activityType: 'writeEcho', apiKey: '[secret]' });
    expect(line.msg).toBe('connecting to postgres://app:[secret]@db:5432/x');
    expect(Date.parse(String(line.time))).not.toBeNaN();
    expect(lines[0]).not.toContain('hunter2hunter2');
    expect(lines[0]).not.toContain('ghp_0123456789');
    expect((line.error as { type: string }).type).toBe('Error');
    expect(line).not.toHaveProperty('taskToken');
  });
});

describe('serializeError', () => {
  it('keeps the type, code and cause, and redacts messages and stacks', () => {
    const err = Object.assign(new Error('login failed for password=correcthorsebattery', { cause: new Error('api_key=sk-abcdef0123456789abcdef') }), { code: 'E_AUTH' });
    const out = serializeError(err);
    expect(out).toMatchObject({ type: 'Error', code: 'E_AUTH' });
    expect(JSON.stringify(out)).not.toContain('correcthorsebattery');
    expect(JSON.stringify(out)).not.toContain('sk-abcdef0123456789abcdef');
  });
});

describe('scrubEvent', () => {
  it('redacts exception values, messages, extras and breadcrumbs of a Sentry event', () => {
    const event = scrubEvent({
      type: undefined,
      exception: { values: [{ type: 'Error', value: 'bad url https://u:pa55w0rd-very-secret@example.com/' }] },
      message: 'Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJlc2lnbmF0dXJl',
      extra: { password: 'hunter2hunter2' },
      breadcrumbs: [{ message: 'secret=topsecretvalue99' }],
    });
    const text = JSON.stringify(event);
    for (const leaked of ['pa55w0rd-very-secret', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjMifQ', 'hunter2hunter2', 'topsecretvalue99']) expect(text).not.toContain(leaked);
    expect(event.exception!.values![0]!.type).toBe('Error');
  });
});
