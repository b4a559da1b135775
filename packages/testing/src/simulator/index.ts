export { simulate } from './simulate.js';
export { SimulationOptionsError } from './options.js';
export { membersUrl } from './transport.js';
export { checkChannel } from './verify.js';
export { ABLY_BACKOFF_BASE_MS, ABLY_BACKOFF_MAX_MS, ABLY_BATCH_INTERVAL_MS, ABLY_MAX_BATCH, ABLY_RETENTION_MS } from './ably-stream.js';
export { PUBNUB_MAX_NETWORK_DELAY_MS } from './pubnub-stream.js';
export { PUSHER_ANSWER_TIMEOUT_MS, PUSHER_MAX_NETWORK_DELAY_MS } from './pusher-stream.js';
export type {
  ChannelCheck,
  LatencySummary,
  SimulatedProvider,
  SimulateOptions,
  SimulationProgress,
  SimulationReport,
  Verification,
} from './types.js';
