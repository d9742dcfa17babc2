// Namespace and search-attribute registration on a real Temporal dev server, as the worker does on start.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { inject } from 'vitest';
import { connectTemporal, pingTemporal, type TemporalClient } from '../../temporal/client.ts';
import { ensureNamespace, ensureSearchAttributes } from '../../temporal/search-attributes.ts';

let temporal: TemporalClient;

beforeAll(async () => {
  temporal = await connectTemporal({ address: inject('temporalAddress'), namespace: 'default' });
});

afterAll(async () => {
  await temporal?.close();
});

it('creates a missing namespace once and registers AccountId, IntegrationId and Kind on it once', async () => {
  const namespace = `insights-${randomBytes(3).toString('hex')}`;
  expect(await ensureNamespace(temporal.connection, namespace)).toBe('created');
  expect(await ensureNamespace(temporal.connection, namespace)).toBe('exists');

  expect((await ensureSearchAttributes(temporal.connection, namespace)).sort()).toEqual(['AccountId', 'IntegrationId', 'Kind']);
  expect(await ensureSearchAttributes(temporal.connection, namespace)).toEqual([]);
  const { customAttributes } = await temporal.connection.operatorService.listSearchAttributes({ namespace });
  for (const name of ['AccountId', 'IntegrationId', 'Kind']) expect(customAttributes?.[name]).toBeDefined();

  // A client on the new namespace can query by them at once.
  const scoped = await connectTemporal({ address: inject('temporalAddress'), namespace });
  try {
    const found = [];
    for await (const wf of scoped.client.workflow.list({ query: 'AccountId = "nobody" AND Kind = "echo"' })) found.push(wf);
    expect(found).toEqual([]);
  } finally {
    await scoped.close();
  }
});

it('reports the server version', async () => {
  expect(await pingTemporal(temporal)).toMatch(/^\d+\.\d+\.\d+/);
});
