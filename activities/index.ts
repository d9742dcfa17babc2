// createActivities(deps): every activity the worker hosts, with its dependencies injected.
import type { Sql } from '../db/sql.ts';
import type { Activities } from '../workflows/activity-contract.ts';
import { createEchoActivities } from './echo.ts';

export interface ActivityDeps {
  sql: Sql;
  workerIdentity: string;
}

export function createActivities(deps: ActivityDeps): Activities {
  return {
    ...createEchoActivities(deps),
  };
}
