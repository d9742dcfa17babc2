// Patterns named wherever something refers to them: a runbook's linked clusters, a runbook draft's subject, audit
// entries about cluster feedback, an incident's cluster. By the user's name, else the label; a cluster that no longer
// exists is there with no name (the pages say so in words), never only as a raw id.
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { appendAudit } from '../../db/audit.ts';
import { insertDraft } from '../../db/runbook-drafts.ts';
import { withAccount } from '../../db/tenancy.ts';
import { signUp, type SignedIn } from '../../devkit/app.ts';
import { useApi } from '../helpers.ts';

const api = useApi();
let owner: SignedIn;
let other: SignedIn;

beforeAll(async () => {
  owner = await signUp(api.app);
  other = await signUp(api.app);
  await api.db.admin`
    insert into clusters (account_id, id, name, label, template, size) values
      (${owner.accountId}, 'c-cpu', null, 'High CPU on {host}', 'High CPU on <HOST>', 3),
      (${owner.accountId}, 'c-disk', 'Database disks', 'Disk full on <*>', 'Disk full on <*>', 2),
      (${other.accountId}, 'c-theirs', 'Not yours', 'x', 'x', 1)`;
});

describe('pattern names', () => {
  it('names a runbook’s linked clusters, in order, with none for one that no longer exists or is another account’s', async () => {
    const created = await owner.call({
      method: 'POST',
      url: '/api/runbooks',
      payload: { title: 'CPU', clusterIds: ['c-disk', 'c-gone', 'c-cpu', 'c-theirs'], steps: [{ title: 'Look', command: 'uptime', targetType: 'shell', explanation: '', risk: 'read-only' }] },
    });
    expect(created.statusCode, created.body).toBe(201);
    const want = [
      { id: 'c-disk', name: 'Database disks' },
      { id: 'c-gone', name: null },
      { id: 'c-cpu', name: 'High CPU on {host}' },
      { id: 'c-theirs', name: null },
    ];
    expect(created.json().clusters).toEqual(want);
    const listed = (await owner.call({ method: 'GET', url: '/api/runbooks?cluster=c-cpu' })).json().runbooks;
    expect(listed.map((r: { clusters: unknown }) => r.clusters)).toEqual([want]);
  });

  it('names a draft’s subject: the pattern’s name or the incident’s title, null once it is gone', async () => {
    const [incident] = await api.db.admin<[{ id: string }]>`
      insert into incidents (account_id, source, external_id, title, severity, status, created_at, observed_at, cluster_id)
      values (${owner.accountId}, 'csv', 'draft-subject', 'Checkout is slow', 'P2', 'triggered', now(), now(), 'c-cpu') returning id::text`;
    const drafts: Record<string, string> = {};
    await withAccount(api.db.sql, owner.accountId, async (tx) => {
      for (const [key, kind, id] of [['cluster', 'cluster', 'c-disk'], ['incident', 'incident', incident.id], ['gone', 'cluster', 'c-gone']] as const) {
        drafts[key] = randomUUID();
        await insertDraft(tx, { id: drafts[key]!, accountId: owner.accountId, conversationId: drafts[key]!, parentId: null, subjectKind: kind, subjectId: id, instruction: null, workflowId: `runbook/${owner.accountId}/${drafts[key]}`, createdBy: owner.userId });
      }
    });
    const subject = async (key: string) => (await owner.call({ method: 'GET', url: `/api/runbook-drafts/${drafts[key]}` })).json().subject;
    expect(await subject('cluster')).toEqual({ kind: 'cluster', id: 'c-disk', name: 'Database disks' });
    expect(await subject('incident')).toEqual({ kind: 'incident', id: incident.id, name: 'Checkout is slow' });
    expect(await subject('gone')).toEqual({ kind: 'cluster', id: 'c-gone', name: null });
    const list = (await owner.call({ method: 'GET', url: '/api/runbook-drafts?subject=cluster:c-disk' })).json().drafts;
    expect(list.map((d: { subject: unknown }) => d.subject)).toEqual([{ kind: 'cluster', id: 'c-disk', name: 'Database disks' }]);
    // The incident's page: its cluster by name; with the cluster gone, the id stays and the name is null.
    expect((await owner.call({ method: 'GET', url: `/api/incidents/${incident.id}` })).json().cluster).toEqual({ id: 'c-cpu', label: 'High CPU on {host}', size: 3 });
    await api.db.admin`update incidents set cluster_id = 'c-merged-away' where id = ${incident.id}`;
    const moved = (await owner.call({ method: 'GET', url: `/api/incidents/${incident.id}` })).json();
    expect(moved.cluster).toEqual({ id: 'c-merged-away', label: null, size: 0 });
    expect(moved.clusterLabel).toBeNull();
  });

  it('names the clusters an audit entry refers to, as they are called now', async () => {
    await withAccount(api.db.sql, owner.accountId, async (tx) => {
      const actor = { userId: owner.userId, label: owner.email };
      await appendAudit(tx, owner.accountId, { action: 'cluster.feedback', actor, target: { type: 'cluster', id: 'c-gone' }, details: { kind: 'merge', intoClusterId: 'c-disk' } });
      await appendAudit(tx, owner.accountId, { action: 'cluster.feedback', actor, target: { type: 'cluster', id: 'c-cpu' }, details: { kind: 'rename', name: 'Hot hosts' } });
    });
    const entries = (await owner.call({ method: 'GET', url: '/api/audit?action=cluster.' })).json().entries;
    expect(entries.map((e: { patterns?: unknown }) => e.patterns)).toEqual([
      [{ id: 'c-cpu', name: 'High CPU on {host}' }],
      [{ id: 'c-gone', name: null }, { id: 'c-disk', name: 'Database disks' }],
    ]);
    // Entries that name no cluster carry no `patterns`.
    const others = (await owner.call({ method: 'GET', url: '/api/audit?action=runbook.' })).json().entries;
    expect(others.length).toBeGreaterThan(0);
    for (const e of others) expect(e).not.toHaveProperty('patterns');
  });
});
