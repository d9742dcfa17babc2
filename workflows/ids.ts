// Workflow and Schedule ids that activities store or act on too (a run row keeps its workflow id; a schedule whose row
// is gone deletes its own Temporal Schedule). Business keys, never random; plain functions, safe in every layer.

/** An automation run's workflow. */
export const automationRunWorkflowId = (accountId: string, runId: string) => `run/${accountId}/${runId}`;

/** An automation schedule's Temporal Schedule (its firings are `<this id>-<time>`). */
export const automationScheduleId = (accountId: string, scheduleId: string) => `automation-schedule/${accountId}/${scheduleId}`;
