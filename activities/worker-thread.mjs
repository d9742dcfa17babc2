// The entry of a worker thread that runs one exported function of a TypeScript module (activities/worker-thread.ts).
// Plain JavaScript, so it loads alike under vitest and a plain `node temporal/worker.ts`; the module it imports is
// TypeScript, which Node reads itself (type stripping), in a thread as in the main one.
import { parentPort, workerData } from 'node:worker_threads';

const { module, name, input } = workerData;
try {
  const fn = (await import(module))[name];
  if (typeof fn !== 'function') throw new Error(`${module} exports no function ${name}`);
  const result = await fn(input, (progress) => parentPort.postMessage({ kind: 'progress', progress }));
  parentPort.postMessage({ kind: 'result', result });
} catch (err) {
  parentPort.postMessage({ kind: 'error', error: { name: err?.name ?? 'Error', message: err?.message ?? String(err), stack: err?.stack } });
}
