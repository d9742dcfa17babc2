import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { runInWorkerThread, WorkerThreadError } from './worker-thread.ts';

const fixture = new URL('./fixtures/worker-thread-functions.ts', import.meta.url);

describe('work in a worker thread', () => {
  it('keeps the main event loop free while the thread computes, relaying its progress', async () => {
    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 50);
    const progress: unknown[] = [];
    try {
      const result = await runInWorkerThread<{ ms: number }, { spun: number; heapMb: number }>(fixture, 'spin', { ms: 1500 }, (p) => progress.push(p));
      expect(result.spun).toBeGreaterThan(0);
      // The thread gets the heap limit this process has (a worker started with --max-old-space-size passes it on; the
      // thread's young generation, 192 MB on Node 24, comes on top of the old one given).
      expect(Math.abs(result.heapMb - Math.round(getHeapStatistics().heap_size_limit / 2 ** 20))).toBeLessThan(256);
    } finally {
      clearInterval(timer);
    }
    // 1.5 s of busy CPU in the thread, and the main loop still ran its 50 ms timer throughout (it would not have once).
    expect(ticks).toBeGreaterThanOrEqual(15);
    expect(progress).toEqual([{ phase: 'spinning' }, { phase: 'done' }]);
  });

  it('rejects with the thread’s error, its name and message kept', async () => {
    const failure = runInWorkerThread(fixture, 'fail', { message: 'no such account' });
    await expect(failure).rejects.toBeInstanceOf(WorkerThreadError);
    await expect(failure).rejects.toMatchObject({ name: 'TypeError', message: 'no such account' });
    await expect(runInWorkerThread(fixture, 'missing', {})).rejects.toThrow(/exports no function missing/);
  });
});
