// Replays every recorded workflow history against today's workflow code: a non-deterministic change fails here.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker, bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../helpers.ts';

const HISTORIES = join(import.meta.dirname, 'histories');
const files = readdirSync(HISTORIES).filter((f) => f.endsWith('.json')).sort();

function load(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(join(HISTORIES, file), 'utf8')));
}

describe('workflow replay', () => {
  it('has recorded histories for every workflow type in workflows/index.ts', async () => {
    const workflows = await import('../../workflows/index.ts');
    const types = Object.entries(workflows).filter(([name, value]) => typeof value === 'function' && name.endsWith('Workflow') && !name.endsWith('WorkflowId')).map(([name]) => name);
    expect(types.length).toBeGreaterThan(0);
    for (const type of types) expect(files.some((f) => f.startsWith(`${type}-`)), `no history for ${type}`).toBe(true);
  });

  it.each(files)('replays %s without a determinism violation', async (file) => {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, load(file), file);
  });

  it('fails with a DeterminismViolationError when the workflow changes its order of commands', async () => {
    const changed = await bundleWorkflowCode({ workflowsPath: join(import.meta.dirname, 'fixtures', 'echo-reordered.ts'), logger: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, log() {} } as never });
    await expect(Worker.runReplayHistory({ workflowBundle: changed }, load('echoWorkflow-completed.json'))).rejects.toMatchObject({
      name: 'DeterminismViolationError',
    });
  });
});
