// The PagerDuty simulator `npm start` runs for the demo account: the same history and, when it is free, the same
// port on every start, kept in DATA_DIR/demo-pagerduty.json with the API key the demo integration uses.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateIncidents } from '../../connectors/simulators/incident-data.ts';
import { startPagerDutySimulator, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';

export const DEMO_PAGERDUTY_NAME = 'PagerDuty (demo simulator)';

export interface DemoPagerDutyState {
  seed: number;
  count: number;
  days: number;
  /** End of the generated history (ISO): fixed at the first start, so every start serves the same incidents. */
  end: string;
  apiKey: string;
  /** The port the demo integration's base URL names (tried first on the next start). */
  port?: number;
  /** The demo integration, once connected. */
  integrationId?: string;
}

export const demoPagerDutyFile = (dataDir: string) => join(dataDir, 'demo-pagerduty.json');

export function loadDemoPagerDutyState(dataDir: string, now = Date.now()): DemoPagerDutyState {
  const file = demoPagerDutyFile(dataDir);
  if (existsSync(file)) {
    try {
      const state = JSON.parse(readFileSync(file, 'utf8')) as DemoPagerDutyState;
      if (Number.isFinite(Date.parse(state.end)) && typeof state.apiKey === 'string' && state.apiKey.length >= 8) return state;
    } catch {
      // Unreadable: start over below (the demo integration then gets the new key through PATCH).
    }
  }
  return { seed: 1, count: 1_500, days: 60, end: new Date(Math.floor(now / 60_000) * 60_000).toISOString(), apiKey: `u+${randomBytes(15).toString('base64url')}` };
}

export function saveDemoPagerDutyState(dataDir: string, state: DemoPagerDutyState): void {
  writeFileSync(demoPagerDutyFile(dataDir), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
}

/** On loopback, on the port of the last start if it is free (else any: the caller updates the integration). */
export async function startDemoPagerDuty(state: DemoPagerDutyState): Promise<PagerDutySimulator> {
  const dataset = generateIncidents({ seed: state.seed, count: state.count, days: state.days, end: Date.parse(state.end) });
  const options = { dataset, tokens: { [state.apiKey]: 'user' as const } };
  if (state.port) {
    try {
      return await startPagerDutySimulator({ ...options, port: state.port });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    }
  }
  return startPagerDutySimulator(options);
}

export const portOf = (url: string) => Number(new URL(url).port);
