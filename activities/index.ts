// createActivities(deps): every activity the worker hosts, with its dependencies injected.
import type { Config } from '../config.ts';
import type { Sql } from '../db/sql.ts';
import type { Activities } from '../workflows/activity-contract.ts';
import type { SecretBox } from '../db/secret-box.ts';
import { createBackfillActivities } from './backfill.ts';
import { createEchoActivities } from './echo.ts';
import { createReclusterActivities } from './recluster.ts';
import { createRunbookIndexActivities } from './runbook-index.ts';
import { createRunbookActivities } from './runbook.ts';
import { createSyncActivities } from './sync.ts';
import { createUnifyActivities } from './unify.ts';
import { createEmailActivities } from './email.ts';
import { createAutomationActivities } from './automation-run.ts';
import { createAutomationTriggerActivities } from './automation-triggers.ts';

export interface ActivityDeps {
  sql: Sql;
  workerIdentity: string;
  email: Config['email'];
  /** Opens stored credentials; absent without INSIGHTS_MASTER_KEY. */
  secretBox: SecretBox | undefined;
  /** Embeddings endpoint and Pinecone for the runbook index; absent: the local embedding and PostgreSQL. */
  search?: Pick<Config, 'openai' | 'pinecone'> | undefined;
  /** Where the web app is: links in the emails activities write (approval requests). */
  webOrigin?: string | undefined;
}

export function createActivities(deps: ActivityDeps): Activities {
  return {
    ...createEchoActivities(deps),
    ...createEmailActivities(deps),
    ...createBackfillActivities(deps),
    ...createUnifyActivities(deps),
    ...createSyncActivities(deps),
    ...createReclusterActivities(deps),
    ...createRunbookIndexActivities(deps),
    ...createRunbookActivities({ sql: deps.sql, openai: deps.search?.openai, pinecone: deps.search?.pinecone }),
    ...createAutomationActivities(deps),
    ...createAutomationTriggerActivities(deps),
  };
}
