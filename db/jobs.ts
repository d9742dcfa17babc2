// Jobs and what the echo job writes: the rows behind the API's job list and the UI's progress bars.
// Every function takes a tenant transaction (db/tenancy.ts withAccount), never the pool: row-level security applies.
import type { TransactionSql } from './sql.ts';

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

const jobColumns = (sql: TransactionSql) => sql`
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

export async function insertJob(sql: TransactionSql, job: NewJob): Promise<JobRow> {
  const [row] = await sql<[JobRow]>`
    insert into jobs (id, account_id, kind, workflow_id, input)
    values (${job.id}, ${job.accountId}, ${job.kind}, ${job.workflowId}, ${sql.json(job.input as never)})
    returning ${jobColumns(sql)}`;
  return row;
}

export async function getJob(sql: TransactionSql, accountId: string, id: string): Promise<JobRow | undefined> {
  const [row] = await sql<[JobRow?]>`
    select ${jobColumns(sql)} from jobs where account_id = ${accountId} and id = ${id}`;
  return row;
}

/** The newest job of a workflow id (a backfill keeps its id across runs). */
export async function latestJobOfWorkflow(sql: TransactionSql, accountId: string, workflowId: string): Promise<JobRow | undefined> {
  const [row] = await sql<[JobRow?]>`
    select ${jobColumns(sql)} from jobs where account_id = ${accountId} and workflow_id = ${workflowId} order by created_at desc limit 1`;
  return row;
}

export async function listJobs(sql: TransactionSql, accountId: string, options: { kind?: string; limit: number }): Promise<JobRow[]> {
  return sql<JobRow[]>`
    select ${jobColumns(sql)} from jobs
    where account_id = ${accountId} ${options.kind ? sql`and kind = ${options.kind}` : sql``}
    order by created_at desc, id desc
    limit ${options.limit}`;
}

/**
 * Moves a queued job to running. Answers what stands in the way otherwise: the job is gone (`missing`) or already
 * final (its status), in which case its work must not start.
 */
export async function markJobRunning(sql: TransactionSql, accountId: string, id: string): Promise<'running' | 'missing' | JobStatus> {
  const [row] = await sql<[{ status: JobStatus }?]>`
    with moved as (
      update jobs set status = 'running', updated_at = now()
      where account_id = ${accountId} and id = ${id} and status in ('queued', 'running')
      returning status
    )
    select status from moved
    union all
    select status from jobs where account_id = ${accountId} and id = ${id} and not exists (select 1 from moved)`;
  return row ? row.status : 'missing';
}

export async function recordJobAttempt(sql: TransactionSql, accountId: string, id: string, attempt: number, total: number): Promise<void> {
  await sql`
    update jobs set attempts = greatest(attempts, ${attempt}), progress_total = ${total}, updated_at = now()
    where account_id = ${accountId} and id = ${id}`;
}

/** Progress only moves forward; `total` (an estimate that may change as the job learns more) when given. */
export async function recordJobProgress(sql: TransactionSql, accountId: string, id: string, done: number, total?: number): Promise<void> {
  await sql`
    update jobs set progress_done = greatest(progress_done, ${done}),
                    progress_total = coalesce(${total ?? null}::integer, progress_total), updated_at = now()
    where account_id = ${accountId} and id = ${id}`;
}

/** Idempotent: a job already in a final status keeps it (a retried activity cannot flip completed to failed). */
export async function finishJob(
  sql: TransactionSql,
  accountId: string,
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
    where account_id = ${accountId} and id = ${id} and status in ('queued', 'running')`;
}

export interface EchoMessage {
  jobId: string;
  accountId: string;
  message: string;
  writtenBy: string;
  attempt: number;
}

/**
 * Writes the job's one echo row while the job is running. `inserted`: written now; `exists`: an earlier attempt
 * wrote it (a retry after a crash); `closed`: the job is no longer running, so nothing was written.
 */
export async function insertEchoMessage(sql: TransactionSql, echo: EchoMessage): Promise<'inserted' | 'exists' | 'closed'> {
  const rows = await sql`
    insert into echo_messages (job_id, account_id, message, written_by, attempt)
    select ${echo.jobId}, ${echo.accountId}, ${echo.message}, ${echo.writtenBy}, ${echo.attempt}
    where exists (select 1 from jobs where account_id = ${echo.accountId} and id = ${echo.jobId} and status = 'running')
    on conflict (job_id) do nothing`;
  if (rows.count === 1) return 'inserted';
  const [existing] = await sql`select 1 from echo_messages where account_id = ${echo.accountId} and job_id = ${echo.jobId}`;
  return existing ? 'exists' : 'closed';
}

export async function listEchoMessages(sql: TransactionSql, accountId: string, jobId: string): Promise<EchoMessage[]> {
  return sql<EchoMessage[]>`
    select job_id as "jobId", account_id as "accountId", message, written_by as "writtenBy", attempt
    from echo_messages where account_id = ${accountId} and job_id = ${jobId}`;
}
