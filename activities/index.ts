// createActivities(deps): every activity the worker hosts, with its dependencies injected.
import type { Config } from '../config.ts';
import type { Sql } from '../db/sql.ts';
import type { Activities } from '../workflows/activity-contract.ts';
import { createEchoActivities } from './echo.ts';
import { createEmailActivities } from './email.ts';

export interface ActivityDeps {
  sql: Sql;
  workerIdentity: string;
  email: Config['email'];
}

export function createActivities(deps: ActivityDeps): Activities {
  return {
    ...createEchoActivities(deps),
    ...createEmailActivities(deps),
  };
}
