// Activities of the echo job: job bookkeeping and the idempotent, heartbeated write the worker-crash test relies on.
import { Context } from '@temporalio/activity';
import { finishJob, insertEchoMessage, markJobRunning, recordJobAttempt, recordJobProgress } from '../db/jobs.ts';
import type { Sql } from '../db/sql.ts';
import type { FinishJobInput, MarkJobRunningInput, WriteEchoInput, WriteEchoResult } from '../workflows/activity-contract.ts';
import { invalid, notFound } from './failures.ts';

export interface EchoActivityDeps {
  sql: Sql;
  /** Recorded with the row, so a test can tell which worker wrote it. */
  workerIdentity: string;
}

interface EchoCheckpoint {
  done: number;
}

export function createEchoActivities(deps: EchoActivityDeps) {
  const { sql } = deps;
  return {
    async markJobRunning({ jobId }: MarkJobRunningInput): Promise<void> {
      if (!(await markJobRunning(sql, jobId))) throw notFound(`job ${jobId} no longer exists`);
    },

    async writeEcho(input: WriteEchoInput): Promise<WriteEchoResult> {
      if (input.steps < 0 || input.stepMs < 0) throw invalid('steps and stepMs must not be negative');
      const ctx = Context.current();
      const { attempt, heartbeatDetails } = ctx.info;
      const resumedFrom = (heartbeatDetails as EchoCheckpoint | undefined)?.done ?? 0;
      await recordJobAttempt(sql, input.jobId, attempt, input.steps);
      for (let done = resumedFrom; done < input.steps; ) {
        await ctx.sleep(input.stepMs); // rejects when the workflow is cancelled
        done += 1;
        ctx.heartbeat({ done } satisfies EchoCheckpoint);
        await recordJobProgress(sql, input.jobId, done);
      }
      const inserted = await insertEchoMessage(sql, {
        jobId: input.jobId,
        accountId: input.accountId,
        message: input.message,
        writtenBy: deps.workerIdentity,
        attempt,
      });
      return { attempt, resumedFrom, inserted };
    },

    async finishJob(input: FinishJobInput): Promise<void> {
      await finishJob(sql, input.jobId, { status: input.status, result: input.result, error: input.error });
    },
  };
}
