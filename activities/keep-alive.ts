// Heartbeats on a timer while a single long call runs (one SQL transaction, one model call), so that a worker that
// dies mid-call is noticed within the activity's heartbeat timeout instead of its whole start-to-close timeout.
import { Context } from '@temporalio/activity';

/** Well inside the shortest heartbeat timeout that uses it (30 s, workflows/unify.ts). */
export const KEEP_ALIVE_MS = 2_000;

/**
 * Runs `work`, heartbeating every `everyMs`. `work` reports progress through the `heartbeat` it is given: the timer
 * repeats the last progress, so `temporal workflow describe` keeps showing it.
 */
export async function withKeepAlive<T>(work: (heartbeat: (details?: unknown) => void) => Promise<T>, everyMs = KEEP_ALIVE_MS): Promise<T> {
  const ctx = Context.current();
  let last: unknown;
  const heartbeat = (details?: unknown) => {
    last = details;
    ctx.heartbeat(details);
  };
  const beat = setInterval(() => ctx.heartbeat(last), everyMs);
  try {
    return await work(heartbeat);
  } finally {
    clearInterval(beat);
  }
}
