import { describe, expect, it } from 'vitest';
import { createRedactor, InvalidRedactionPatternError, redactDeep } from './redaction.ts';

const redact = createRedactor();
const text = (input: string) => redact(input).text;

describe('createRedactor', () => {
  it.each([
    ['e-mail addresses', 'paged jane.doe+oncall@example.co.uk twice', 'paged [email] twice'],
    ['IPv4 addresses', 'connect to 10.0.12.7:5432 refused by 192.168.1.1', 'connect to [ip]:5432 refused by [ip]'],
    ['IPv6 addresses, full and compressed', 'from 2001:0db8:85a3:0000:0000:8a2e:0370:7334 and fe80::1 and ::1', 'from [ip] and [ip] and [ip]'],
    ['IPv4-mapped IPv6 addresses', 'peer ::ffff:10.1.2.3 reset', 'peer [ip] reset'],
    ['AWS host names that carry an address', 'High CPU on ip-10-0-0-1.ec2.internal', 'High CPU on [ip].ec2.internal'],
    ['passwords in URLs, keeping the user', 'DATABASE_URL=postgres://app:s3cr3t!@db.internal:5432/app', 'DATABASE_URL=postgres://app:[secret]@db.internal:5432/app'],
    ['bearer tokens', 'Authorization: Bearer abcdef1234567890XYZ', 'Authorization: Bearer [secret]'],
    ['JWTs', 'token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U seen', 'token [secret] seen'],
    ['AWS access key ids', 'key AKIAIOSFODNN7EXAMPLE and ASIAY34FZKBOKMUTVV7A', 'key [secret] and [secret]'],
    ['AWS secret keys', 'aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'aws_secret_access_key = [secret]'],
    ['GitHub tokens', 'push with ghp_0123456789abcdefghijABCDEFGHIJ012345 and github_pat_11ABCDEFG0123456789_abcdefghijKLMNOP', 'push with [secret] and [secret]'],
    ['Slack tokens and webhooks', 'xoxb-1234567890-abcdefghij posted to https://hooks.slack.com/services/T000/B000/XXXXXXXX', '[secret] posted to https://hooks.slack.com/services/[secret]'],
    ['OpenAI-style keys', 'OPENAI key sk-proj-abcdefghijklmnopqrstuvwxyz012345 rejected', 'OPENAI key [secret] rejected'],
    ['password assignments in query strings', 'GET /login?user=bob&password=hunter2&next=/', 'GET /login?user=bob&password=[secret]&next=/'],
    ['env lines', 'DB_PASSWORD=hunter2\nAPI_KEY="abc def 123"\nexport GITLAB_TOKEN=glpat-xyz', 'DB_PASSWORD=[secret]\nAPI_KEY="[secret]"\nexport GITLAB_TOKEN=[secret]'],
    ['JSON fields', '{"user":"bob","password": "hunter2","client_secret":"abc"}', '{"user":"bob","password": "[secret]","client_secret":"[secret]"}'],
    ['YAML fields and CLI flags', 'secret: abc123\n--api-key=xyz789', 'secret: [secret]\n--api-key=[secret]'],
    ['an authorization header whatever its scheme', 'authorization: Basic dXNlcjpwYXNz', 'authorization: Basic [secret]'],
  ])('redacts %s', (_kind, input, expected) => {
    expect(text(input)).toBe(expected);
  });

  it('redacts PEM private key blocks, even truncated ones', () => {
    const pem = '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1\nabc\n-----END RSA PRIVATE KEY-----';
    expect(text(`key:\n${pem}\nloaded`)).toBe('key:\n[private-key]\nloaded');
    expect(text('cert -----BEGIN PRIVATE KEY-----\nMIIEv...truncated')).toBe('cert [private-key]');
    expect(text('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----')).toContain('MIIB');
  });

  it('counts each kind it replaced', () => {
    const { counts } = redact('ops@example.com and dev@example.com from 10.0.0.1 with password=x1');
    expect(counts).toEqual({ email: 2, ip: 1, assignment: 1 });
    expect(redact('nothing here').counts).toEqual({});
  });

  it('redacts a realistic alert payload and log line', () => {
    const alert = JSON.stringify({
      labels: { alertname: 'HighCPU', instance: '10.0.3.17:9100', owner: 'sre-team@acme.io' },
      annotations: { runbook: 'https://admin:Pa55w0rd@grafana.acme.io/d/cpu', summary: 'CPU 97% on ip-10-0-3-17' },
    });
    const result = redact(alert);
    expect(result.text).not.toMatch(/10\.0\.3\.17|sre-team@acme\.io|Pa55w0rd|10-0-3-17/);
    expect(result.text).toContain('admin:[secret]@grafana.acme.io');
    expect(result.text).toContain('HighCPU');

    const log = '2024-05-01T10:00:00Z ERROR auth failed for user=alice@corp.com ip=203.0.113.9 token=abcd1234efgh request_id=123e4567-e89b-12d3-a456-426614174000';
    expect(text(log)).toBe('2024-05-01T10:00:00Z ERROR auth failed for user=[email] ip=[ip] token=[secret] request_id=123e4567-e89b-12d3-a456-426614174000');
  });

  it.each([
    ['version strings', 'upgraded to v1.2.3 and 2.14.0-rc1, kernel 5.15.0-1051-aws'],
    ['timestamps', 'at 2024-05-01T10:00:00.123Z and 10:00:00 and 12:30'],
    ['UUIDs', 'job 123e4567-e89b-12d3-a456-426614174000 failed'],
    ['git SHAs', 'deploy 3f2c9a1b7d4e5f60718293a4b5c6d7e8f9012345 rolled back'],
    ['variable references after secret names', 'password=$DB_PASSWORD token=${GITHUB_TOKEN} secret: <redacted> api_key={{ .Values.key }}'],
    ['booleans and prose', 'password_required=true and token=null; Bearer token missing; the tokens ran out'],
    ['max_tokens and similar names', 'max_tokens=2048 secretary=bob'],
    ['the working directory', 'PWD=/home/app OLDPWD=/tmp'],
    ['C++ and Ruby scope operators', 'std::vector and Foo::Bar and ActiveRecord::Base'],
    ['MAC addresses', 'link 00:1a:2b:3c:4d:5e up'],
    ['numbers with more than four parts', 'oid 1.3.6.1.2.1.1.3.0 polled'],
    ['out-of-range dotted quads', 'value 999.1.1.1 seen'],
  ])('leaves %s alone', (_kind, input) => {
    expect(text(input)).toBe(input);
  });

  it('is idempotent', () => {
    const input =
      'user@example.com 10.0.0.1 fe80::1 postgres://u:p4ss@h/db Bearer abcdef1234567890 password=hunter2 "token": "t0k3n" ' +
      'AKIAIOSFODNN7EXAMPLE authorization: Basic dXNlcjpwYXNz -----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----';
    const once = text(input);
    expect(text(once)).toBe(once);
    expect(redact(once).counts).toEqual({});
    const custom = createRedactor({ customPatterns: ['ACME-\\d+', '\\[\\w+\\]'] });
    const first = custom('ticket ACME-42 for ops@example.com').text;
    expect(first).toBe('ticket [redacted] for [email]');
    expect(custom(first).text).toBe(first);
  });

  it('applies custom patterns', () => {
    const custom = createRedactor({ customPatterns: ['CUST-[0-9]{6}', 'Project Falcon'] });
    const result = custom('CUST-123456 escalated about Project Falcon; CUST-12 is too short');
    expect(result.text).toBe('[redacted] escalated about [redacted]; CUST-12 is too short');
    expect(result.counts).toEqual({ custom: 2 });
  });

  it('refuses an invalid custom pattern, naming it', () => {
    expect(() => createRedactor({ customPatterns: ['ok', '([a-z'] })).toThrow(InvalidRedactionPatternError);
    expect(() => createRedactor({ customPatterns: ['([a-z'] })).toThrow(/"\(\[a-z"/);
  });

  it('refuses custom patterns that are empty, match nothing-at-all, are too long or backtrack exponentially', () => {
    expect(() => createRedactor({ customPatterns: [''] })).toThrow(/empty/);
    expect(() => createRedactor({ customPatterns: ['a*'] })).toThrow(/empty string/);
    expect(() => createRedactor({ customPatterns: ['x'.repeat(301)] })).toThrow(/longer than 300/);
    expect(() => createRedactor({ customPatterns: ['(a+)+$'] })).toThrow(/nested quantifiers/);
    expect(() => createRedactor({ customPatterns: ['(\\w*)*x'] })).toThrow(/nested quantifiers/);
  });

  it('runs custom patterns over bounded windows of very long text', () => {
    const custom = createRedactor({ customPatterns: ['SECRET-\\d+'] });
    const long = `${'a'.repeat(10_000)} SECRET-1\n${'b '.repeat(5_000)}SECRET-2`;
    const result = custom(long);
    expect(result.counts).toEqual({ custom: 2 });
    expect(result.text.length).toBe(long.length - 'SECRET-1SECRET-2'.length + '[redacted][redacted]'.length);
  });
});

describe('redaction cost', () => {
  it.each([
    ['dotted runs', 'a.'.repeat(50_000)],
    ['dashed runs before an @', `${'a-'.repeat(50_000)}@b`],
    ['underscored runs before a secret name', `${'x_'.repeat(50_000)}token`],
    ['digit runs', '1.'.repeat(50_000)],
    ['a scheme-like run', `http://${'a'.repeat(50_000)}:${'b'.repeat(50_000)}`],
    ['an unterminated quoted secret', `password="${'a\\'.repeat(50_000)}`],
  ])('stays linear on adversarial input: %s', (_kind, input) => {
    const started = performance.now();
    redact(input);
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});

describe('redactDeep', () => {
  it('redacts strings inside objects and arrays and values under credential keys', () => {
    const counts: Record<string, number> = {};
    const input = {
      summary: 'disk full on 10.0.0.5',
      notes: ['mailed ops@example.com', { password: 'hunter2', port: 5432, apiKey: 12345, token: '' }],
      count: 3,
      ok: true,
      nothing: null,
    };
    const out = redactDeep(input, redact, counts);
    expect(out).toEqual({
      summary: 'disk full on [ip]',
      notes: ['mailed [email]', { password: '[secret]', port: 5432, apiKey: '[secret]', token: '' }],
      count: 3,
      ok: true,
      nothing: null,
    });
    expect(counts).toEqual({ ip: 1, email: 1, assignment: 2 });
    expect(input.summary).toBe('disk full on 10.0.0.5');
  });
});
