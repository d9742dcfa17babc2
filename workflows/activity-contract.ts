// What workflows may call: activities/index.ts implements this interface, so tsc keeps both sides in step.

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';
export type FinalJobStatus = Extract<JobStatus, 'completed' | 'failed' | 'cancelled'>;

export interface MarkJobRunningInput {
  accountId: string;
  jobId: string;
}

export interface WriteEchoInput {
  accountId: string;
  jobId: string;
  message: string;
  /** The activity works in `steps` heartbeated steps of `stepMs` each, so a long job shows progress and resumes. */
  steps: number;
  stepMs: number;
}

export interface WriteEchoResult {
  /** The activity attempt that finished the job (2 after a worker crash). */
  attempt: number;
  /** The step the finishing attempt resumed from (its predecessor's last heartbeat). */
  resumedFrom: number;
  /** False when an earlier attempt had already written the row: the write happens exactly once. */
  inserted: boolean;
}

export interface FinishJobInput {
  accountId: string;
  jobId: string;
  status: FinalJobStatus;
  result?: Record<string, unknown>;
  error?: string;
}

export interface DeliverEmailInput {
  /** The outbox row: the address, subject and body stay in the database, out of workflow histories. */
  emailId: string;
}

export interface DeliverEmailResult {
  /** `kept`: no SMTP server is configured, the email stays in the outbox; `already_done`: sent or refused before. */
  outcome: 'sent' | 'kept' | 'already_done';
}

export interface StrandedEmailsInput {
  limit: number;
}

export interface Activities {
  markJobRunning(input: MarkJobRunningInput): Promise<void>;
  writeEcho(input: WriteEchoInput): Promise<WriteEchoResult>;
  finishJob(input: FinishJobInput): Promise<void>;
  deliverEmail(input: DeliverEmailInput): Promise<DeliverEmailResult>;
  strandedEmails(input: StrandedEmailsInput): Promise<string[]>;
}
