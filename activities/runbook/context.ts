// What a draft is written from: its subject (an incident, or a cluster's newest incidents and its name), the most
// similar past incidents, and the best runbooks from the runbook index, read through db/ and search/.
import type { Redactor } from '../../analysis/redaction.ts';
import type { Config } from '../../config.ts';
import { getCluster, newestIncidentIdsOfCluster } from '../../db/clusters.ts';
import { getIncident, type IncidentDetailRow } from '../../db/incidents.ts';
import type { LlmSettings } from '../../db/llm-settings.ts';
import { getDraft, runbookRatingBoosts, type DraftRow, type DraftSources } from '../../db/runbook-drafts.ts';
import { getRunbook, getRunbookVersion, type StoredStep } from '../../db/runbooks.ts';
import type { Sql } from '../../db/sql.ts';
import { withAccount } from '../../db/tenancy.ts';
import { createEmbedder } from '../../search/embedder.ts';
import { runbookIndexFor } from '../../search/index.ts';
import { searchIncidents, searchRunbooks } from '../../search/runbook-search.ts';
import type { IncidentHit, RunbookHit } from '../../search/types.ts';
import { notFound } from '../failures.ts';

const TOP_RUNBOOKS = 5;
const SIMILAR_INCIDENTS = 5;
const REPRESENTATIVES = 3;

export interface DraftContext {
  draft: DraftRow;
  settings: LlmSettings;
  /** The subject incident(s): one, or a cluster's representatives. */
  subjects: IncidentDetailRow[];
  clusterLabel: string | null;
  similar: { hit: IncidentHit; detail: IncidentDetailRow }[];
  runbooks: { hit: RunbookHit; steps: StoredStep[]; title: string; description: string }[];
  /** Set for a refinement: the draft it refines. */
  parent: DraftRow | null;
}

export interface ContextDeps {
  sql: Sql;
  openai?: Config['openai'] | undefined;
  pinecone?: Config['pinecone'] | undefined;
  fetch?: typeof fetch;
}

/**
 * The context, in three steps so that no transaction is open while another one runs: the subject (one transaction),
 * retrieval (the index and the keyword side each open their own), then the runbooks' and incidents' details (one
 * transaction). PGlite, the embedded default, runs one transaction at a time, so a nested one would wait forever.
 */
export async function gatherContext(deps: ContextDeps, draft: DraftRow, redactor: Redactor, settings: LlmSettings): Promise<Omit<DraftContext, 'draft' | 'settings'>> {
  const { sql } = deps;
  const accountId = draft.accountId;
  const { subjects, clusterLabel, boosts } = await withAccount(sql, accountId, async (tx) => {
    let subjects: IncidentDetailRow[] = [];
    let clusterLabel: string | null = null;
    if (draft.subjectKind === 'incident') {
      const incident = await getIncident(tx, accountId, draft.subjectId);
      if (!incident) throw notFound(`incident ${draft.subjectId} was not found`);
      subjects = [incident];
    } else {
      const cluster = await getCluster(tx, accountId, draft.subjectId);
      if (!cluster) throw notFound(`cluster ${draft.subjectId} was not found`);
      clusterLabel = cluster.name ?? cluster.label;
      const ids = await newestIncidentIdsOfCluster(tx, accountId, draft.subjectId, REPRESENTATIVES);
      subjects = (await Promise.all(ids.map((id) => getIncident(tx, accountId, id)))).filter((i): i is IncidentDetailRow => Boolean(i));
    }
    return { subjects, clusterLabel, boosts: await runbookRatingBoosts(tx, accountId) };
  });
  const first = subjects[0];
  // The search text leaves for an embeddings endpoint when one is configured and allowed: redacted like the prompt.
  const query = redactor([clusterLabel ?? '', first?.title ?? '', first?.service ?? ''].join(' ').trim()).text;
  const remote = settings.enabled;
  const index = await runbookIndexFor({ pinecone: deps.pinecone ?? { apiKey: undefined, index: undefined, indexHost: undefined, controllerHost: undefined } }, sql);
  const embedder = createEmbedder({ openai: deps.openai ?? { baseUrl: undefined, apiKey: undefined, model: undefined, embeddingModel: undefined } }, { remote, ...(deps.fetch ? { fetch: deps.fetch } : {}) });
  const hits = query ? await searchRunbooks({ sql, index, embedder }, undefined, accountId, query, { topK: TOP_RUNBOOKS, boosts }) : [];
  const incidentHits = query ? await searchIncidents({ sql }, undefined, accountId, query, { limit: SIMILAR_INCIDENTS * 2 }) : [];
  return withAccount(sql, accountId, async (tx) => {
    const runbooks: DraftContext['runbooks'] = [];
    for (const hit of hits) {
      const row = await getRunbook(tx, accountId, hit.runbookId);
      const version = row ? await getRunbookVersion(tx, accountId, hit.runbookId, row.currentVersion) : undefined;
      if (version) runbooks.push({ hit, steps: version.steps, title: version.title, description: version.description });
    }
    const subjectIds = new Set(subjects.map((s) => s.id));
    const similar: DraftContext['similar'] = [];
    for (const hit of incidentHits) {
      if (subjectIds.has(hit.id) || similar.length >= SIMILAR_INCIDENTS) continue;
      const detail = await getIncident(tx, accountId, hit.id);
      if (detail) similar.push({ hit, detail });
    }
    const parent = draft.parentId ? ((await getDraft(tx, accountId, draft.parentId)) ?? null) : null;
    return { subjects, clusterLabel, similar, runbooks, parent };
  });
}

/** The runbooks and incidents a draft was written from, as the draft lists them. */
export const sourcesOf = (ctx: DraftContext): DraftSources => ({
  runbooks: ctx.runbooks.map((r) => ({ runbookId: r.hit.runbookId, version: r.hit.version, title: r.title, score: r.hit.score })),
  incidents: ctx.similar.map(({ hit }) => ({ id: hit.id, title: hit.title, score: hit.score })),
});
