// Realistic PagerDuty webhook deliveries for the ingestion benchmarks, made by the PagerDuty simulator: each incident
// of a seeded history is first sent as incident.triggered (as it was when it opened), then once more in its later
// state (incident.resolved when it was resolved, else incident.acknowledged), all in the order they happened.
import { randomUUID } from 'node:crypto';
import { startPagerDutySimulator, type PagerDutyEvent, type PagerDutySimulator } from '../../connectors/simulators/pagerduty.ts';
import { generateIncidents, type SimIncident } from '../../connectors/simulators/incident-data.ts';

export interface Delivery {
  /** X-Webhook-Id: distinct per delivery. */
  webhookId: string;
  /** The tool's incident id. */
  incidentId: string;
  event: PagerDutyEvent;
}

export interface Deliveries {
  deliveries: Delivery[];
  incidents: number;
  /** Incidents whose last delivery resolves them. */
  resolved: number;
}

const FIVE_MINUTES = 5 * 60_000;

/**
 * `incidents` incidents, two deliveries each, oldest first. The simulator is started for the duration (its events
 * carry its links); pass `keep` to get it back running (for its REST API), else it is closed.
 */
export async function pagerDutyDeliveries(incidents: number, options: { seed?: number; end?: number; keep?: (pd: PagerDutySimulator) => void } = {}): Promise<Deliveries> {
  const dataset = generateIncidents({ count: incidents, seed: options.seed ?? 11, end: options.end ?? Date.parse('2026-11-01T00:00:00Z'), days: 90 });
  // Each incident's final state, then the incident rewound to how it was when it was triggered.
  const finals = new Map<string, SimIncident>(dataset.incidents.map((i) => [i.id, { ...i }]));
  for (const i of dataset.incidents) {
    i.status = 'triggered';
    delete i.acknowledgedAt;
    delete i.acknowledgedBy;
    delete i.resolvedAt;
    delete i.resolvedBy;
    i.updatedAt = i.createdAt;
  }
  const pd = await startPagerDutySimulator({ dataset, tokens: { 'bench-pd-token': 'user' } });
  try {
    const timed: { at: number; delivery: Delivery }[] = [];
    const add = (at: number, incidentId: string, event: PagerDutyEvent) => timed.push({ at, delivery: { webhookId: randomUUID(), incidentId, event } });
    for (const i of dataset.incidents) add(i.createdAt, i.id, pd.incidentEvent('incident.triggered', i.id, { at: i.createdAt }));
    let resolved = 0;
    for (const i of dataset.incidents) {
      const final = finals.get(i.id)!;
      if (final.resolvedAt !== undefined) {
        resolved += 1;
        add(final.resolvedAt, i.id, pd.resolve(i.id, { at: final.resolvedAt, ...(final.resolvedBy ? { userId: final.resolvedBy } : {}) }));
      } else {
        const at = final.acknowledgedAt ?? i.createdAt + FIVE_MINUTES;
        add(at, i.id, pd.acknowledge(i.id, { at, ...(final.acknowledgedBy ? { userId: final.acknowledgedBy } : {}) }));
      }
    }
    timed.sort((a, b) => a.at - b.at);
    if (options.keep) options.keep(pd);
    return { deliveries: timed.map((t) => t.delivery), incidents: dataset.incidents.length, resolved };
  } finally {
    if (!options.keep) await pd.close();
  }
}
