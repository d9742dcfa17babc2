// The public API of the pure algorithms: the clustering engine (settings, online assignment, full recluster, feedback,
// analytics) and the runbook helpers (command risk, redaction, markdown, diffs, offline embedding).
export {
  DEFAULT_CLUSTERING_SETTINGS,
  InvalidClusteringSettingsError,
  MASK_KINDS,
  resolveClusteringSettings,
  type ClusteringSettings,
  type ClusteringSettingsOverrides,
  type CustomMask,
  type MaskKind,
} from './clustering/settings.ts';
export { compileMasker, MASK_PLACEHOLDERS, type Masker } from './clustering/masking.ts';
export {
  assignIncident,
  createClusterModel,
  loadClusterModel,
  serializeClusterModel,
  templateText,
  type ClusterIncident,
  type ClusterModel,
  type ClusterModelState,
  type IncidentAssignment,
  type ModelCluster,
} from './clustering/cluster-model.ts';
export {
  DuplicateIncidentError,
  recluster,
  reclusterWithEmbeddings,
  type ClusterRecord,
  type EmbedTemplates,
  type ReclusterInput,
  type ReclusterResult,
} from './clustering/recluster.ts';
export { validateFeedback, type ClusterFeedback } from './clustering/feedback.ts';
export { analyseClusters, analyticsWindow, ANALYTICS_WINDOW_DAYS, type AnalyticsOptions, type ClusterAnalytics, type DurationStats } from './clustering/cluster-analytics.ts';
export { detectSpikes, SPIKE_DEFAULTS, type Spike, type SpikeOptions } from './clustering/time-series.ts';
export { clusterTrend, mannWhitneyU, TREND, trendDays, trendWindow, type ClusterTrend, type ClusterTrendDirection, type TrendWindow } from './clustering/trend.ts';
export { hasPlaceholderToken, nameCluster, patternTemplate, readableTemplate, slotValuesText, type ClusterName, type LabelSlot } from './clustering/cluster-label.ts';
export { STEP_RISKS, TARGET_TYPES, type RunbookStep, type StepRisk, type TargetType } from './runbooks/runbook-types.ts';
export { classifyCommand, escalate, maxRisk } from './runbooks/command-risk/index.ts';
export { createRedactor, InvalidRedactionPatternError, redactDeep } from './redaction.ts';
export { parseRunbookMarkdown, renderRunbookMarkdown, RunbookMarkdownError } from './runbooks/runbook-markdown.ts';
export { diffRunbooks, diffSteps, settleRisks, type RunbookDiff, type StepChange } from './runbooks/runbook-diff.ts';
export { chunkRunbook, cosine, embed } from './runbooks/embedding.ts';
