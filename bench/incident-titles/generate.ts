// Generates the incident-title benchmark (`node bench/incident-titles/generate.ts`): a seeded, deterministic
// 90 days of incidents from 63 problem families, written as the CLI's JSONL input plus a separate labels file.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../lib/generate-incidents.ts';
import { REPO_ROOT } from '../lib/report.ts';
import { createPools } from './entities.ts';
import { HELD_OUT_FAMILIES } from './families-held-out.ts';
import { TUNING_FAMILIES } from './families-tuning.ts';
import { TOOLS, render, type Family, type Owner, type Random, type Tool } from './model.ts';

export const INCIDENTS_FILE = join(REPO_ROOT, 'bench/data/incident-titles.jsonl');
export const LABELS_FILE = join(REPO_ROOT, 'bench/data/incident-titles.labels.jsonl');

const SEED = 20250601;
const TARGET_INCIDENTS = 10_000;
const MIN_FAMILY_SIZE = 8;
const ZIPF_OFFSET = 1.5;
const START = Date.parse('2025-03-03T00:00:00Z') / 1000;
const DAYS = 90;
/** Chance that an occurrence hits an entity this family already hit (the same host fills its disk again). */
const REUSE_ENTITY = 0.55;
/** How many of a family's tools alert on one occurrence: about half reach two or more. */
const TOOLS_PER_OCCURRENCE: ReadonlyArray<readonly [number, number]> = [[1, 0.5], [2, 0.3], [3, 0.15], [4, 0.05]];
/** How often a family's tools are the ones alerting, before restricting to the tools a family has. */
const TOOL_WEIGHT: Record<Tool, number> = { alertmanager: 3, datadog: 2.5, cloudwatch: 2.5, grafana: 1.5, pagerduty: 1.5, opsgenie: 1.5, human: 1 };
/** The integration an incident arrives through, per tool: Datadog, CloudWatch and Grafana reach us via PagerDuty, Opsgenie or a webhook. */
const SOURCES: Record<Tool, ReadonlyArray<readonly [string, number]>> = {
  alertmanager: [['alertmanager', 0.55], ['pagerduty', 0.25], ['opsgenie', 0.2]],
  grafana: [['webhook', 0.4], ['pagerduty', 0.3], ['opsgenie', 0.3]],
  datadog: [['pagerduty', 0.5], ['opsgenie', 0.3], ['webhook', 0.2]],
  cloudwatch: [['pagerduty', 0.45], ['opsgenie', 0.35], ['webhook', 0.2]],
  pagerduty: [['pagerduty', 1]],
  opsgenie: [['opsgenie', 1]],
  human: [['pagerduty', 0.45], ['opsgenie', 0.35], ['csv', 0.2]],
};
const OWNER_SERVICES: Record<Exclude<Owner, 'app'>, readonly string[]> = {
  infra: ['infrastructure', 'linux-hosts'],
  platform: ['kubernetes-platform', 'platform'],
  data: ['databases', 'data-platform'],
  messaging: ['messaging', 'data-platform'],
  search: ['search-platform'],
  edge: ['edge', 'networking'],
  security: ['security', 'secops'],
  ci: ['ci-cd', 'release-engineering'],
};
/** Share of incidents without an owning service (unrouted, or imported without one). */
const NO_SERVICE = 0.12;

export interface GeneratedTitles {
  /** JSONL for the engine: {"id","title","source","service"?,"created_at"}. */
  incidents: string;
  /** JSONL: {"id","family","held_out","tool"}. */
  labels: string;
  summary: {
    incidents: number;
    tuningFamilies: number;
    heldOutFamilies: number;
    occurrences: number;
    multiToolShare: number;
    cascaded: number;
    /** Tuning families only: the held-out ones are not printed anywhere. */
    tuningSizes: Record<string, number>;
    heldOutIncidents: number;
  };
}

interface Generated {
  time: number;
  seq: number;
  title: string;
  source: string;
  service: string | undefined;
  family: string;
  heldOut: boolean;
  tool: Tool;
}

function createRandom(seed: number): Random {
  const next = seededRandom(seed);
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    pick: (items) => items[Math.floor(next() * items.length)]!,
    chance: (p) => next() < p,
  };
}

function weighted<T>(random: Random, items: ReadonlyArray<readonly [T, number]>): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let roll = random.next() * total;
  for (const [item, w] of items) {
    roll -= w;
    if (roll < 0) return item;
  }
  return items[items.length - 1]![0];
}

/** Checks the family lists: unique keys, at least three tools each, cascades that name a family, phrasings that render. */
export function validateFamilies(families: readonly Family[]): void {
  const keys = new Set<string>();
  for (const family of families) {
    if (keys.has(family.key)) throw new Error(`duplicate family ${family.key}`);
    keys.add(family.key);
    const tools = Object.keys(family.phrasings);
    if (tools.length < 3) throw new Error(`family ${family.key} has ${tools.length} tools, needs at least 3`);
  }
  const random = createRandom(1);
  const pools = createPools(random);
  for (const family of families) {
    for (const cascade of family.cascades ?? []) if (!keys.has(cascade.family)) throw new Error(`${family.key} cascades to unknown ${cascade.family}`);
    const fields = { ...pools.entity(family.hosts, family.area), ...pools.measures() };
    for (const phrasings of Object.values(family.phrasings)) for (const phrasing of phrasings) render(phrasing, fields, random);
  }
}

/**
 * Zipf-like target sizes by rank (commonness first, a seeded order within a tier): size ∝ 1 / (rank + ZIPF_OFFSET), a
 * Zipf-Mandelbrot law, so a few families are big without one of them being a fifth of the data; the smallest still ≥ 8.
 */
function targetSizes(families: readonly Family[], random: Random): Map<string, number> {
  const tieBreak = new Map(families.map((f) => [f.key, random.next()]));
  const ranked = [...families].sort((a, b) => b.commonness - a.commonness || tieBreak.get(a.key)! - tieBreak.get(b.key)!);
  const weight = (i: number) => 1 / (i + 1 + ZIPF_OFFSET);
  const scale = TARGET_INCIDENTS / ranked.reduce((sum, _, i) => sum + weight(i), 0);
  return new Map(ranked.map((f, i) => [f.key, Math.max(MIN_FAMILY_SIZE, Math.round(scale * weight(i)))]));
}

/** A person's typing: a swapped letter now and then, everything lower case, a trailing remark. */
function humanize(title: string, random: Random): string {
  let text = title;
  if (random.chance(0.25)) {
    const words = text.split(' ');
    const candidates = words.flatMap((w, i) => (/^[A-Za-z]{5,}$/.test(w) ? [i] : []));
    if (candidates.length > 0) {
      const at = random.pick(candidates);
      const word = words[at]!;
      const i = random.int(1, word.length - 3);
      words[at] = word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
      text = words.join(' ');
    }
  }
  if (random.chance(0.15)) text = text.toLowerCase();
  if (random.chance(0.1)) text += random.pick([' ?', ' again', ' - pls look', ' (prod)']);
  return text;
}

/**
 * The data set: the tuning and held-out families by default; another pair of lists (a validation set of one's own,
 * scored apart from the tuning one) generates a different data set the same way.
 */
export function generateIncidentTitles(sets: { tuning: readonly Family[]; heldOut: readonly Family[] } = { tuning: TUNING_FAMILIES, heldOut: HELD_OUT_FAMILIES }): GeneratedTitles {
  const { tuning: tuningFamilies, heldOut: heldOutFamilies } = sets;
  const families = [...tuningFamilies, ...heldOutFamilies];
  validateFamilies(families);
  const heldOut = new Set(heldOutFamilies.map((f) => f.key));
  const byKey = new Map(families.map((f) => [f.key, f]));
  const random = createRandom(SEED);
  const pools = createPools(random);
  const targets = targetSizes(families, random);
  const counts = new Map(families.map((f) => [f.key, 0]));
  const entities = new Map<string, Array<Record<string, string>>>(families.map((f) => [f.key, []]));
  const out: Generated[] = [];
  let occurrences = 0;
  let multiTool = 0;
  let cascaded = 0;

  const serviceOf = (family: Family, entity: Record<string, string>): string | undefined => {
    if (random.chance(NO_SERVICE)) return undefined;
    if (family.owner === 'app' || random.chance(0.15)) return entity.service;
    return random.pick(OWNER_SERVICES[family.owner]);
  };

  const occur = (family: Family, time: number, entity: Record<string, string>, mayCascade: boolean): void => {
    const remaining = targets.get(family.key)! - counts.get(family.key)!;
    if (remaining <= 0) return;
    const available = TOOLS.filter((tool) => family.phrasings[tool] !== undefined);
    const k = Math.min(weighted(random, TOOLS_PER_OCCURRENCE), available.length, remaining);
    const chosen: Tool[] = [];
    while (chosen.length < k) {
      const tool = weighted(
        random,
        available.filter((t) => !chosen.includes(t)).map((t) => [t, TOOL_WEIGHT[t]] as const),
      );
      chosen.push(tool);
    }
    occurrences++;
    if (k >= 2) multiTool++;
    const service = serviceOf(family, entity);
    for (const tool of chosen) {
      const phrasings = family.phrasings[tool]!;
      const variant = weighted(random, phrasings.map((p, i) => [p, [0.55, 0.3, 0.15][i] ?? 0.1] as const));
      const fields = { ...entity, ...pools.measures() };
      const raw = render(variant, fields, random);
      out.push({
        // Machines alert within minutes of each other; a person notices later.
        time: time + (tool === 'human' ? random.int(180, 1800) : random.int(0, 300)),
        seq: out.length,
        title: tool === 'human' ? humanize(raw, random) : raw,
        source: weighted(random, SOURCES[tool]),
        // The same occurrence usually routes to the same service; a tool sometimes routes elsewhere.
        service: random.chance(0.85) ? service : serviceOf(family, entity),
        family: family.key,
        heldOut: heldOut.has(family.key),
        tool,
      });
    }
    counts.set(family.key, counts.get(family.key)! + k);
    if (!mayCascade) return;
    for (const cascade of family.cascades ?? []) {
      if (!random.chance(cascade.probability)) continue;
      const before = counts.get(cascade.family)!;
      occur(byKey.get(cascade.family)!, time + random.int(60, 600), entity, false);
      cascaded += counts.get(cascade.family)! - before;
    }
  };

  for (const family of families) {
    while (counts.get(family.key)! < targets.get(family.key)!) {
      const pool = entities.get(family.key)!;
      let entity: Record<string, string>;
      if (pool.length > 0 && random.chance(REUSE_ENTITY)) entity = random.pick(pool);
      else {
        entity = pools.entity(family.hosts, family.area);
        pool.push(entity);
      }
      occur(family, START + random.int(0, DAYS * 86400 - 3600), entity, true);
    }
  }

  // File order is time order, so Drain3 (file order) and the engine (created_at, then id) see the same sequence.
  out.sort((a, b) => a.time - b.time || a.seq - b.seq);
  const incidentLines: string[] = [];
  const labelLines: string[] = [];
  out.forEach((incident, i) => {
    const id = `inc-${String(i + 1).padStart(5, '0')}`;
    const createdAt = new Date(incident.time * 1000).toISOString().replace('.000Z', 'Z');
    incidentLines.push(
      JSON.stringify({ id, title: incident.title, source: incident.source, ...(incident.service === undefined ? {} : { service: incident.service }), created_at: createdAt }),
    );
    labelLines.push(JSON.stringify({ id, family: incident.family, held_out: incident.heldOut, tool: incident.tool }));
  });
  const tuningSizes: Record<string, number> = {};
  for (const family of tuningFamilies) tuningSizes[family.key] = counts.get(family.key)!;
  return {
    incidents: `${incidentLines.join('\n')}\n`,
    labels: `${labelLines.join('\n')}\n`,
    summary: {
      incidents: out.length,
      tuningFamilies: tuningFamilies.length,
      heldOutFamilies: heldOutFamilies.length,
      occurrences,
      multiToolShare: multiTool / occurrences,
      cascaded,
      tuningSizes,
      heldOutIncidents: out.filter((i) => i.heldOut).length,
    },
  };
}

export function writeIncidentTitles(): GeneratedTitles {
  const generated = generateIncidentTitles();
  mkdirSync(dirname(INCIDENTS_FILE), { recursive: true });
  writeFileSync(INCIDENTS_FILE, generated.incidents);
  writeFileSync(LABELS_FILE, generated.labels);
  return generated;
}

/** Writes the data files when a checkout lacks them (they are committed; this keeps a partial clone working). */
export function ensureIncidentTitles(): void {
  if (!existsSync(INCIDENTS_FILE) || !existsSync(LABELS_FILE)) writeIncidentTitles();
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { summary } = writeIncidentTitles();
  console.log(`wrote ${INCIDENTS_FILE}\nwrote ${LABELS_FILE}`);
  console.log(
    `${summary.incidents} incidents, ${summary.tuningFamilies} tuning + ${summary.heldOutFamilies} held-out families; ` +
      `${summary.occurrences} occurrences, ${(summary.multiToolShare * 100).toFixed(0)}% reached 2+ tools; ${summary.cascaded} incidents set off by a related problem; ` +
      `${summary.heldOutIncidents} held-out incidents`,
  );
  console.log('tuning family sizes:');
  for (const [key, size] of Object.entries(summary.tuningSizes).sort((a, b) => b[1] - a[1])) console.log(`  ${String(size).padStart(5)}  ${key}`);
}
