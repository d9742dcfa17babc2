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

export interface BackfillPagesInput {
  accountId: string;
  integrationId: string;
  jobId: string;
  /** The history window (ISO-8601). */
  since: string;
  until: string;
  /** Where the previous call stopped (a connector's plain-JSON cursor); absent at the start. */
  cursor?: unknown;
  /** Incidents fetched by earlier calls of this backfill, so progress counts on. */
  fetchedBefore: number;
  /** Return after this many pages or this long, so the workflow's progress moves and its history stays small. */
  maxPages: number;
  maxMs: number;
}

export interface BackfillPagesResult {
  cursor?: unknown;
  done: boolean;
  /** Incidents fetched so far, over all calls. */
  fetched: number;
  /** New raw events stored by this call (pages fetched twice store nothing twice). */
  stored: number;
  /** Left out by the import filters in this call. */
  filtered: number;
  /** Share of the window done, 0..1, and the estimated total it implies. */
  progress: number;
  estimatedTotal?: number;
  /** The window being read (for the progress display). */
  window?: { start: string; end: string };
}

export interface IntegrationErrorInput {
  accountId: string;
  integrationId: string;
  error: string;
}

export interface UnifyBatchInput {
  accountId: string;
  limit: number;
}

export interface UnifyBatchResult {
  /** Raw events taken from the queue. */
  processed: number;
  /** Incidents inserted or updated. */
  incidents: number;
  /** Changes (a note, an acknowledgement) whose incident was never imported: nothing to apply them to. */
  orphans: number;
  /** New incidents placed in clusters online. */
  assigned: number;
  /** Too many new incidents fit no known cluster (or there is no model yet): a full recluster is due. */
  reclusterDue: boolean;
  /** Event rules that matched a new or re-opened incident: pending firings written with the batch. */
  firings?: number;
}

export interface SyncChangesInput {
  accountId: string;
  integrationId: string;
}

export interface SyncChangesResult {
  /** Why nothing was fetched: the integration is paused or in error (a person must act), or has no API. */
  skipped?: string;
  fetched: number;
  stored: number;
}

export interface ReclusterAccountInput {
  accountId: string;
  /** Why it runs (schedule, request, feedback, drift, import): shown while it computes. */
  reason?: string;
}

export interface FinishReclusterInput {
  accountId: string;
  /** Why the recluster's workflow gave up. */
  error: string;
}

export interface ReclusterAccountResult {
  incidents: number;
  clusters: number;
  /** Incidents whose cluster changed. */
  changed: number;
  /** Feedback that had nothing to act on this time (its cluster is gone). */
  unresolvedFeedback: number;
}

export interface ClearRunbookIndexInput {
  accountId: string;
}

export interface ClearRunbookIndexResult {
  /** The account's runbooks when the index was cleared (progress shows indexed of total). */
  total: number;
}

export interface IndexRunbookPageInput {
  accountId: string;
  /** The last runbook id of the previous page (keyset); null for the first. */
  afterId: string | null;
  pageSize: number;
}

export interface IndexRunbookPageResult {
  indexed: number;
  /** Runbooks whose indexing failed (logged; they stay behind and a later re-index catches them up). */
  failed: number;
  lastId: string | null;
  done: boolean;
}

export interface RefreshIncidentRollupsInput {
  accountId: string;
}

export interface RefreshIncidentRollupsResult {
  /** Dirty days recomputed. */
  days: number;
}

export interface PrepareRunbookDraftInput {
  accountId: string;
  draftId: string;
}

export interface PrepareRunbookDraftResult {
  /** `retrieval`: LLM use is off or no model is configured; the draft was completed from the best runbooks. */
  mode: 'llm' | 'retrieval';
  /** The draft needs no model call (retrieval, or it was closed already). */
  done: boolean;
  /** How many runbooks and similar incidents the context holds. */
  runbooks: number;
  incidents: number;
}

export interface GenerateRunbookStepsInput {
  accountId: string;
  draftId: string;
  /** Why the previous reply was refused (paths only, no incident text): the model is told, once. */
  previousError?: string;
}

export interface GenerateRunbookStepsResult {
  valid: boolean;
  steps?: number;
  error?: string;
  /** The draft reached a final status meanwhile (cancelled): nothing was stored. */
  closed?: boolean;
}

export interface FinishRunbookDraftInput {
  accountId: string;
  draftId: string;
  status: 'failed' | 'cancelled';
  error?: string;
}

export interface AutomationRunRef {
  accountId: string;
  runId: string;
}

/** Pending until sent, running, then succeeded or failed; skipped (denied, a dry run) or cancelled (the run ended first). */
export type AutomationStepStatus = 'pending' | 'skipped' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/**
 * One step of an automation run as the run records it (automation_run_steps, db/automations.ts): the runbook step it
 * sends, the policy's verdict and what happened. The one declaration of a run step: the workflow's state, the
 * activities' results, the database and the API's RunStep schema are all made of it. Payloads carry small parts of
 * it (index, status, exit code, alreadyRan), never its output or timestamps.
 */
export interface AutomationRunStep {
  index: number;
  title: string;
  command: string;
  risk: string;
  destructive: boolean;
  /** Why the policy denied it (then it is skipped, never sent); null when allowed. */
  deniedReason: string | null;
  status: AutomationStepStatus;
  stdout: string | null;
  stderr: string | null;
  /** Null when the command did not finish or never ran. */
  exitCode: number | null;
  /** stdout or stderr was cut. */
  truncated: boolean;
  /** The target had run this step already (a retry): its stored result, not a second execution. */
  alreadyRan: boolean;
  error: string | null;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface AutomationStepPlan extends Pick<AutomationRunStep, 'index' | 'destructive'> {
  /** False: the policy denied it; it is never sent. */
  allowed: boolean;
  /** A destructive step that waits for an approval of its own. */
  needsOwnApproval: boolean;
}

export interface AutomationRunPlan {
  steps: AutomationStepPlan[];
  /** The run already reached a final status (a retried workflow task, an operator): nothing more happens. */
  closed: boolean;
}

export interface RecordAutomationApprovalInput extends AutomationRunRef {
  userId: string;
  decision: 'approve' | 'reject';
  /** Absent: the run's approval; else the approval of that (destructive) step. */
  stepIndex?: number;
  comment?: string;
  /** The API request that carried the decision; absent when it came straight through Temporal (an operator's CLI). */
  requestId?: string;
}

export interface RecordAutomationApprovalResult {
  recorded: boolean;
  /** Why the database refused it (role changed since the request, a duplicate, the requester). */
  refused?: string;
}

export interface RunAutomationStepInput extends AutomationRunRef {
  index: number;
}

export interface RunAutomationStepResult extends Pick<AutomationRunStep, 'exitCode' | 'alreadyRan'> {
  status: Extract<AutomationStepStatus, 'succeeded' | 'failed' | 'skipped'>;
  /** Why it failed or was skipped (a denied pattern, a target error); never output or secrets. */
  reason?: string;
}

export interface TransitionAutomationRunInput extends AutomationRunRef {
  status: 'approved' | 'running' | 'completed' | 'failed' | 'cancelled' | 'rejected' | 'expired';
  summary?: Record<string, unknown>;
  /** A dry run's steps are recorded as skipped (would have run), not cancelled. */
  dryRun?: boolean;
}

export interface VerifyAutomationTargetInput {
  accountId: string;
  targetId: string;
}

export interface VerifyAutomationTargetResult {
  ok: boolean;
  identity?: string;
  /** The kind of failure (auth, invalid, unavailable, host_key_mismatch) and the target's message. */
  errorKind?: string;
  error?: string;
}

/** A run created by a schedule or an event rule, ready for its workflow (workflows/automation-triggers.ts). */
export interface StartableAutomationRun {
  accountId: string;
  runId: string;
  requestedBy: string;
  requiredApprovals: number;
  expiresAt: string;
  dryRun: boolean;
  /** Approval requests the activity put in the outbox with the run: the workflow starts their delivery. */
  emailIds?: string[];
}

export interface CreateScheduledRunInput {
  accountId: string;
  scheduleId: string;
  /** Chosen by the workflow (deterministically), so a retried activity finds the run it created. */
  runId: string;
}

export interface CreateScheduledRunResult {
  run?: StartableAutomationRun;
  /** Why nothing started (the runbook or target deleted, the schedule gone). */
  skipped?: string;
}

export interface PrepareRuleRunsInput {
  accountId: string;
  limit: number;
}

export interface PrepareRuleRunsResult {
  /** Each firing's run (the run id is the firing's id). */
  runs: StartableAutomationRun[];
  /** Firings taken (started or skipped): fewer than the limit means none are left. */
  taken: number;
}

export interface MarkRuleFiringsStartedInput {
  accountId: string;
  firingIds: string[];
}

export interface Activities {
  markJobRunning(input: MarkJobRunningInput): Promise<void>;
  writeEcho(input: WriteEchoInput): Promise<WriteEchoResult>;
  finishJob(input: FinishJobInput): Promise<void>;
  deliverEmail(input: DeliverEmailInput): Promise<DeliverEmailResult>;
  backfillPages(input: BackfillPagesInput): Promise<BackfillPagesResult>;
  markIntegrationError(input: IntegrationErrorInput): Promise<void>;
  unifyBatch(input: UnifyBatchInput): Promise<UnifyBatchResult>;
  refreshIncidentRollups(input: RefreshIncidentRollupsInput): Promise<RefreshIncidentRollupsResult>;
  syncChanges(input: SyncChangesInput): Promise<SyncChangesResult>;
  reclusterAccount(input: ReclusterAccountInput): Promise<ReclusterAccountResult>;
  finishRecluster(input: FinishReclusterInput): Promise<void>;
  clearRunbookIndex(input: ClearRunbookIndexInput): Promise<ClearRunbookIndexResult>;
  indexRunbookPage(input: IndexRunbookPageInput): Promise<IndexRunbookPageResult>;
  strandedEmails(input: StrandedEmailsInput): Promise<string[]>;
  prepareRunbookDraft(input: PrepareRunbookDraftInput): Promise<PrepareRunbookDraftResult>;
  generateRunbookSteps(input: GenerateRunbookStepsInput): Promise<GenerateRunbookStepsResult>;
  finishRunbookDraft(input: FinishRunbookDraftInput): Promise<void>;
  planAutomationRun(input: AutomationRunRef): Promise<AutomationRunPlan>;
  recordAutomationApproval(input: RecordAutomationApprovalInput): Promise<RecordAutomationApprovalResult>;
  runAutomationStep(input: RunAutomationStepInput): Promise<RunAutomationStepResult>;
  transitionAutomationRun(input: TransitionAutomationRunInput): Promise<void>;
  verifyAutomationTarget(input: VerifyAutomationTargetInput): Promise<VerifyAutomationTargetResult>;
  createScheduledRun(input: CreateScheduledRunInput): Promise<CreateScheduledRunResult>;
  prepareRuleRuns(input: PrepareRuleRunsInput): Promise<PrepareRuleRunsResult>;
  markRuleFiringsStarted(input: MarkRuleFiringsStartedInput): Promise<void>;
}
