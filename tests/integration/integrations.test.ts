// Integrations as a production deployment sees them: no custom vendor host (SSRF), and nothing stored when refused.
import type { FastifyInstance } from 'fastify';
import { beforeAll, expect, it } from 'vitest';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi, type TestDatabase } from '../helpers.ts';

const api = useApi({ ALLOW_CUSTOM_VENDOR_URLS: 'false' });
let db: TestDatabase;
let app: FastifyInstance;
let owner: SignedIn;

beforeAll(async () => {
  ({ db, app } = api);
  owner = await signUp(app);
});

it('refuses an API host of the user’s choosing where custom hosts are off, naming the field, storing nothing', async () => {
  for (const url of ['/api/integrations', '/api/integrations/verify']) {
    const payload = { kind: 'pagerduty', name: 'Probe', credentials: { apiKey: 'u+some-key-0001', baseUrl: 'http://169.254.169.254/latest/meta-data' } };
    const res = await owner.call({ method: 'POST', url, payload: url.endsWith('verify') ? { kind: payload.kind, credentials: payload.credentials } : payload });
    expect(res.statusCode, url).toBe(400);
    expect(res.json().error.details[0].field).toBe('credentials.baseUrl');
  }
  const [{ n }] = await db.admin<[{ n: number }]>`select count(*)::int as n from integrations`;
  expect(n).toBe(0);
  // Tools that only push (no host to call) connect as usual.
  expect((await owner.call({ method: 'POST', url: '/api/integrations', payload: { kind: 'alertmanager', name: 'Prometheus' } })).statusCode).toBe(201);
});
