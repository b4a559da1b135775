export { collectPresenceMetrics, DEFAULT_BUCKETS } from './collect.js';
export type { PresenceMetrics, PresenceMetricsOptions } from './collect.js';
