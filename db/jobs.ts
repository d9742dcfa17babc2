// Jobs and what the echo job writes: the rows behind the API's job list and the UI's progress bars.
import type { Sql } from './sql.ts';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

export interface JobRow {
  id: string;
  accountId: string;
  kind: string;
  workflowId: string;
  status: JobStatus;
  input: Record<string, unknown>;
  result: Record<string, unknown> | null;
  error: string | null;
  progressDone: number;
  progressTotal: number;
  attempts: number;
  createdAt: Date;
  updatedAt: Date;
  completedAt: Date | null;
}

const jobColumns = (sql: Sql) => sql`
  id, account_id as "accountId", kind, workflow_id as "workflowId", status, input, result, error,
  progress_done as "progressDone", progress_total as "progressTotal", attempts,
  created_at as "createdAt", updated_at as "updatedAt", completed_at as "completedAt"`;

export interface NewJob {
  id: string;
  accountId: string;
  kind: string;
  workflowId: string;
  input: Record<string, unknown>;
}

export async function insertJob(sql: Sql, job: NewJob): Promise<JobRow> {
  const [row] = await sql<[JobRow]>`
    insert into jobs (id, account_id, kind, workflow_id, input)
    values (${job.id}, ${job.accountId}, ${job.kind}, ${job.workflowId}, ${sql.json(job.input as never)})
    returning ${jobColumns(sql)}`;
  return row;
}

export async function getJob(sql: Sql, accountId: string, id: string): Promise<JobRow | undefined> {
  const [row] = await sql<[JobRow?]>`
    select ${jobColumns(sql)} from jobs where account_id = ${accountId} and id = ${id}`;
  return row;
}

export async function listJobs(sql: Sql, accountId: string, options: { kind?: string; limit: number }): Promise<JobRow[]> {
  return sql<JobRow[]>`
    select ${jobColumns(sql)} from jobs
    where account_id = ${accountId} ${options.kind ? sql`and kind = ${options.kind}` : sql``}
    order by created_at desc, id desc
    limit ${options.limit}`;
}

/** Returns false when the job does not exist (deleted while its workflow ran). */
export async function markJobRunning(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`
    update jobs set status = 'running', updated_at = now()
    where id = ${id} and status in ('queued', 'running')`;
  if (rows.count > 0) return true;
  const [exists] = await sql`select 1 from jobs where id = ${id}`;
  return exists !== undefined;
}

export async function recordJobAttempt(sql: Sql, id: string, attempt: number, total: number): Promise<void> {
  await sql`
    update jobs set attempts = greatest(attempts, ${attempt}), progress_total = ${total}, updated_at = now()
    where id = ${id}`;
}

export async function recordJobProgress(sql: Sql, id: string, done: number): Promise<void> {
  await sql`update jobs set progress_done = greatest(progress_done, ${done}), updated_at = now() where id = ${id}`;
}

/** Idempotent: a job already in a final status keeps it (a retried activity cannot flip completed to failed). */
export async function finishJob(
  sql: Sql,
  id: string,
  outcome: { status: 'completed' | 'failed' | 'cancelled'; result?: Record<string, unknown> | undefined; error?: string | undefined },
): Promise<void> {
  await sql`
    update jobs set
      status = ${outcome.status},
      result = ${outcome.result ? sql.json(outcome.result as never) : null},
      error = ${outcome.error ?? null},
      completed_at = now(),
      updated_at = now()
    where id = ${id} and status in ('queued', 'running')`;
}

export interface EchoMessage {
  jobId: string;
  accountId: string;
  message: string;
  writtenBy: string;
  attempt: number;
}

/** Inserts the job's one echo row; returns false if it was already written (by an earlier attempt). */
export async function insertEchoMessage(sql: Sql, echo: EchoMessage): Promise<boolean> {
  const rows = await sql`
    insert into echo_messages (job_id, account_id, message, written_by, attempt)
    values (${echo.jobId}, ${echo.accountId}, ${echo.message}, ${echo.writtenBy}, ${echo.attempt})
    on conflict (job_id) do nothing`;
  return rows.count === 1;
}

export async function listEchoMessages(sql: Sql, jobId: string): Promise<EchoMessage[]> {
  return sql<EchoMessage[]>`
    select job_id as "jobId", account_id as "accountId", message, written_by as "writtenBy", attempt
    from echo_messages where job_id = ${jobId}`;
}
