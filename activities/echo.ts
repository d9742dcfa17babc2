// Activities of the echo job: job bookkeeping and the idempotent, heartbeated write the worker-crash test relies on.
import { Context } from '@temporalio/activity';
import { finishJob, insertEchoMessage, markJobRunning, recordJobAttempt, recordJobProgress } from '../db/jobs.ts';
import type { Sql } from '../db/sql.ts';
import { withAccount } from '../db/tenancy.ts';
import type { FinishJobInput, MarkJobRunningInput, WriteEchoInput, WriteEchoResult } from '../workflows/activity-contract.ts';
import { invalid, jobClosed, notFound } from './failures.ts';

export interface EchoActivityDeps {
  sql: Sql;
  /** Recorded with the row, so a test can tell which worker wrote it. */
  workerIdentity: string;
}

interface EchoCheckpoint {
  done: number;
}

/** Heartbeat at least this often, well inside the heartbeat timeout, however long a step is. */
const HEARTBEAT_SLICE_MS = 1_000;

export function createEchoActivities(deps: EchoActivityDeps) {
  const { sql } = deps;
  return {
    async markJobRunning({ accountId, jobId }: MarkJobRunningInput): Promise<void> {
      const status = await withAccount(sql, accountId, (tx) => markJobRunning(tx, accountId, jobId));
      if (status === 'missing') throw notFound(`job ${jobId} no longer exists`);
      if (status !== 'running') throw jobClosed(`job ${jobId} is already ${status}`);
    },

    async writeEcho(input: WriteEchoInput): Promise<WriteEchoResult> {
      if (input.steps < 0 || input.stepMs < 0) throw invalid('steps and stepMs must not be negative');
      const ctx = Context.current();
      const { attempt, heartbeatDetails } = ctx.info;
      const resumedFrom = (heartbeatDetails as EchoCheckpoint | undefined)?.done ?? 0;
      const { accountId, jobId } = input;
      await withAccount(sql, accountId, (tx) => recordJobAttempt(tx, accountId, jobId, attempt, input.steps));
      for (let done = resumedFrom; done < input.steps; ) {
        for (let left = input.stepMs; left > 0; left -= HEARTBEAT_SLICE_MS) {
          await ctx.sleep(Math.min(left, HEARTBEAT_SLICE_MS)); // rejects once the workflow asked to cancel
          ctx.heartbeat({ done } satisfies EchoCheckpoint);
        }
        done += 1;
        ctx.heartbeat({ done } satisfies EchoCheckpoint);
        const reached = done;
        await withAccount(sql, accountId, (tx) => recordJobProgress(tx, accountId, jobId, reached));
      }
      // A cancel may have been delivered with the last heartbeat: stop rather than write.
      if (ctx.cancellationSignal.aborted) throw ctx.cancellationSignal.reason;
      const outcome = await withAccount(sql, accountId, (tx) =>
        insertEchoMessage(tx, { jobId, accountId, message: input.message, writtenBy: deps.workerIdentity, attempt }),
      );
      if (outcome === 'closed') throw jobClosed(`job ${jobId} is no longer running; nothing was written`);
      return { attempt, resumedFrom, inserted: outcome === 'inserted' };
    },

    async finishJob(input: FinishJobInput): Promise<void> {
      await withAccount(sql, input.accountId, (tx) =>
        finishJob(tx, input.accountId, input.jobId, { status: input.status, result: input.result, error: input.error }),
      );
    },
  };
}
