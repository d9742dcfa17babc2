// Time co-occurrence of templates on one entity: when two tools alert on the same host, pod or queue within minutes,
// again and again, their titles very likely describe one problem (the evidence PagerDuty's grouping also relies on).

/** One incident as co-occurrence sees it: when, which template, which entities (hashed values). */
export interface CooccurrenceEvent {
  time: number;
  template: number;
  entities: readonly number[];
}

export interface CooccurrenceCounts {
  /** For templates a and b: how many incidents of `a` had an incident of `b` on a shared entity within the window. */
  get(a: number, b: number): number;
  /** Every pair (a < b) that met at all. */
  pairs(): Array<[number, number]>;
}

/** At most this many neighbours are looked at per incident and entity, so a storm on one host stays linear. */
const MAX_NEIGHBOURS = 32;

/**
 * Counts, for every pair of templates, the incidents of one that had an incident of the other on the same entity
 * within `windowMs` (either side). Events without a time or an entity take no part.
 */
export function countCooccurrences(events: readonly CooccurrenceEvent[], windowMs: number): CooccurrenceCounts {
  const byEntity = new Map<number, number[]>();
  const times = new Float64Array(events.length);
  for (let index = 0; index < events.length; index++) {
    const event = events[index]!;
    times[index] = event.time;
    if (!Number.isFinite(event.time)) continue;
    for (const entity of event.entities) {
      let list = byEntity.get(entity);
      if (list === undefined) byEntity.set(entity, (list = []));
      list.push(index);
    }
  }
  // Lists are built in index order and the sort is stable: by time alone is by time, then index.
  const byTime = (x: number, y: number): number => times[x]! - times[y]!;
  // seen[a→b] per incident: an incident counts once per other template, however many entities or neighbours it shares.
  const pairs = new Map<number, Set<number>>();
  const key = (a: number, b: number) => a * 1_048_576 + b;
  const mark = (a: number, b: number, incident: number): void => {
    const k = key(a, b);
    let set = pairs.get(k);
    if (set === undefined) pairs.set(k, (set = new Set()));
    set.add(incident);
  };
  for (const list of byEntity.values()) {
    if (list.length < 2) continue;
    list.sort(byTime);
    for (let i = 0; i < list.length; i++) {
      const a = events[list[i]!]!;
      let looked = 0;
      for (let j = i + 1; j < list.length && looked < MAX_NEIGHBOURS; j++) {
        const b = events[list[j]!]!;
        if (b.time - a.time > windowMs) break;
        looked++;
        if (a.template === b.template) continue;
        mark(a.template, b.template, list[i]!);
        mark(b.template, a.template, list[j]!);
      }
    }
  }
  const counts = new Map<number, number>();
  for (const [k, set] of pairs) counts.set(k, set.size);
  return {
    get: (a, b) => counts.get(key(a, b)) ?? 0,
    pairs: () => {
      const out: Array<[number, number]> = [];
      for (const k of counts.keys()) {
        const a = Math.floor(k / 1_048_576);
        const b = k - a * 1_048_576;
        if (a < b) out.push([a, b]);
      }
      return out;
    },
  };
}

/** A cheap 32-bit hash of an entity value (FNV-1a), case-folded. */
export function entityHash(value: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < value.length; i++) {
    let c = value.charCodeAt(i);
    if (c >= 65 && c <= 90) c += 32;
    hash ^= c;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
