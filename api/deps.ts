// What the API needs from the outside world; buildApp receives it, tests pass real instances.
import type { Config } from '../config.ts';
import type { SecretBox } from '../db/secret-box.ts';
import type { Sql } from '../db/sql.ts';
import type { TemporalClient } from '../temporal/client.ts';

export interface AppDeps {
  config: Config;
  sql: Sql;
  temporal: TemporalClient;
  version: string;
  /** Signs access tokens (JWT_SECRET; `npm start` keeps a generated one in .data/). */
  jwtSecret: string;
  /** Seals ticket-tool credentials and webhook secrets; absent without INSIGHTS_MASTER_KEY (integrations refuse then). */
  secretBox?: SecretBox | undefined;
}
