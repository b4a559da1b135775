// `@presence-webhooks/testing/simulator`: `simulate`, its options and report, the delivery planners it plays
// histories with, and the `presence-webhooks` command's programmatic form.
export { simulate } from './simulate.js';
export { SimulationOptionsError } from './options.js';
export { membersUrl } from './transport.js';
export { checkChannel } from './verify.js';
export { ABLY_BACKOFF_BASE_MS, ABLY_BACKOFF_MAX_MS, ABLY_BATCH_INTERVAL_MS, ABLY_MAX_BATCH, ABLY_RETENTION_MS } from './ably-stream.js';
export { PUBNUB_MAX_NETWORK_DELAY_MS } from './pubnub-stream.js';
export type {
  ChannelCheck,
  LatencySummary,
  SimulatedProvider,
  SimulateOptions,
  SimulationProgress,
  SimulationReport,
  Verification,
} from './types.js';
export { ablyDeliveries } from '../ably-deliveries.js';
export type { DeliveryPlan } from '../ably-deliveries.js';
export { pubnubDeliveries, PUBNUB_MAX_ATTEMPTS, PUBNUB_RESEND_DELAY_MS } from '../pubnub-deliveries.js';
export type { PubNubDelivery, PubNubDeliveryPlan } from '../pubnub-deliveries.js';
export { pusherDeliveries, pusherRetryDelays, PUSHER_FIRST_RETRY_MS, PUSHER_RETRY_WINDOW_MS } from '../pusher-deliveries.js';
export type { PusherDelivery, PusherDeliveryPlan } from '../pusher-deliveries.js';
export { runCli, exitCodeOf, formatReport } from '../cli/index.js';
export type { CliIo } from '../cli/index.js';
