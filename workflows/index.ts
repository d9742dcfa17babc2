// Every workflow, re-exported: this file is the worker's workflowsPath and what the API imports to start them.
export * from './echo.ts';
export * from './email.ts';
export * from './unify.ts';
export * from './backfill.ts';
export * from './sync.ts';
export * from './recluster.ts';
export * from './runbook-index.ts';
export * from './runbook.ts';
export * from './automation-run.ts';
export * from './automation-triggers.ts';
