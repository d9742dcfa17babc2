// The entry of a worker thread that runs one exported function of a TypeScript module (activities/worker-thread.ts).
// Plain JavaScript, so it loads in every way the worker runs (`node --import tsx`, vitest, the Docker image): it
// registers tsx itself, because a thread does not inherit the main thread's `--import tsx` hooks on Node 20.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { module, name, input } = workerData;
try {
  const fn = (await import(module))[name];
  if (typeof fn !== 'function') throw new Error(`${module} exports no function ${name}`);
  const result = await fn(input, (progress) => parentPort.postMessage({ kind: 'progress', progress }));
  parentPort.postMessage({ kind: 'result', result });
} catch (err) {
  parentPort.postMessage({ kind: 'error', error: { name: err?.name ?? 'Error', message: err?.message ?? String(err), stack: err?.stack } });
}
