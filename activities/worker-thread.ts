// CPU-bound work off the worker's event loop: one exported function of a module, run in a node:worker_threads thread
// (entry: worker-thread.mjs). Meanwhile the main thread keeps heartbeating this and every other activity; a cancelled
// (or timed-out) activity terminates the thread, which closes its database connections, so its transaction rolls back.
import { getHeapStatistics } from 'node:v8';
import { Worker } from 'node:worker_threads';
import { Context } from '@temporalio/activity';

const ENTRY = new URL('./worker-thread.mjs', import.meta.url);

/** An error thrown in the thread, with its name, message and stack. */
export class WorkerThreadError extends Error {
  constructor(name: string, message: string, stack?: string) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

/**
 * Runs `name(input, report)` from `module` (a file URL) in a new thread and resolves with its result; `onProgress`
 * gets what the function reports. Input and result are structured-cloned: keep them small (ids, counts).
 */
export function runInWorkerThread<I, R>(module: URL, name: string, input: I, onProgress: (progress: unknown) => void = () => {}): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    // No inherited flags: an explicit list holding a V8 flag such as --max-old-space-size is refused. The heap limit the
    // worker was given (flag or NODE_OPTIONS) is passed on as the thread's own.
    const thread = new Worker(ENTRY, {
      execArgv: [],
      resourceLimits: { maxOldGenerationSizeMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20) },
      workerData: { module: module.href, name, input },
    });
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    thread.on('message', (message: { kind: string; progress?: unknown; result?: R; error?: { name: string; message: string; stack?: string } }) => {
      if (message.kind === 'progress') return onProgress(message.progress);
      if (message.kind === 'result') settle(() => resolve(message.result as R));
      else if (message.kind === 'error') settle(() => reject(new WorkerThreadError(message.error!.name, message.error!.message, message.error!.stack)));
      // The function has returned (its pools closed in its own `finally`): nothing is left for the thread to do.
      void thread.terminate();
    });
    thread.on('error', (err) => settle(() => reject(err)));
    thread.on('exit', (code) => settle(() => reject(new Error(`the worker thread running ${name} exited (code ${code}) before it answered`))));
    // In an activity, a cancel (or the server timing the activity out) stops the thread at once.
    let ctx: Context | undefined;
    try {
      ctx = Context.current();
    } catch {
      ctx = undefined;
    }
    ctx?.cancelled.catch((reason: unknown) => {
      settle(() => reject(reason));
      void thread.terminate();
    });
  });
}
