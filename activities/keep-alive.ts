// Heartbeats on a timer while a single long call runs (one SQL transaction, one model call), so that a worker that
// dies mid-call is noticed within the activity's heartbeat timeout instead of its whole start-to-close timeout.
import { Context } from '@temporalio/activity';

/** Well inside the shortest heartbeat timeout that uses it (10 s, workflows/unify.ts). */
export const KEEP_ALIVE_MS = 2_000;

export async function withKeepAlive<T>(work: () => Promise<T>, everyMs = KEEP_ALIVE_MS): Promise<T> {
  const ctx = Context.current();
  const beat = setInterval(() => ctx.heartbeat(), everyMs);
  try {
    return await work();
  } finally {
    clearInterval(beat);
  }
}
