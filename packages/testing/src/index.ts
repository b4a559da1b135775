export { signAbly, ablyKeyName } from './sign.js';
export {
  ABLY_ACTION,
  ablyBatchRequest,
  ablyEnvelopedPresence,
  ablyLegacyRequest,
  ablyLifecycleItem,
  ablyMessageItem,
  ablyNonEnvelopedPresence,
  ablyOccupancyItem,
  ablyPresenceItem,
  ablyRequest,
} from './ably-builders.js';
export type { AblyItem, BuiltRequest, RawAblyPresence, SignOptions, WireFormat } from './ably-builders.js';
export { ablyPresenceFold, generateAblyHistory, sortMembers, SYNTHETIC_LEAVE_DELAY_MS } from './ably-history.js';
export type { AblyHistory, AblyHistoryOptions, HistoryEntry, TruthMember } from './ably-history.js';
export { ablyDeliveries } from './ably-deliveries.js';
export type { DeliveryPlan } from './ably-deliveries.js';
export { seededRandom, shuffle, pick } from './random.js';
export type { Random } from './random.js';
export {
  PUBNUB_SCHEMAS,
  PUBNUB_SUB_KEY,
  multipartBody,
  pubnubChannelStatusRequest,
  pubnubEventItem,
  pubnubEventsBody,
  pubnubEventsRequest,
  pubnubLegacyBody,
  pubnubLegacyRequest,
} from './pubnub-builders.js';
export type {
  PubNubBuiltRequest,
  PubNubChannelStatus,
  PubNubChannelStatusEvent,
  PubNubEventItemInput,
  PubNubEventsKind,
  PubNubEventsOptions,
  PubNubLegacyEvent,
  PubNubMemberAction,
  PubNubSecretOptions,
} from './pubnub-builders.js';
export { generatePubNubHistory, pubnubTruth, pubnubMemberSteps } from './pubnub-history.js';
export type { PubNubHistory, PubNubHistoryEntry, PubNubHistoryOptions } from './pubnub-history.js';
export { pubnubDeliveries, PUBNUB_MAX_ATTEMPTS, PUBNUB_RESEND_DELAY_MS } from './pubnub-deliveries.js';
export type { PubNubDelivery, PubNubDeliveryPlan } from './pubnub-deliveries.js';
export {
  adapterConformance,
  conformanceCases,
  sendHttp,
  SUITE_KEY,
  FOREIGN_KEY,
  ABLY_RULE_SECRET,
  PUBNUB_SECRET,
  suiteOptions,
} from './adapter-conformance/index.js';
export type {
  AdapterConformanceOptions,
  AdapterFactory,
  AdapterServer,
  AdapterSetup,
  ConformanceCase,
  HttpAnswer,
  HttpSend,
  ParserFirstOutcome,
  TestApi,
} from './adapter-conformance/index.js';
export { storeConformanceCases, readSnapshot, referenceSnapshot, checkChanges } from './store-conformance/index.js';
export type {
  StoreConformanceCase,
  StoreConformanceOptions,
  StoreFactory,
  StoreFactoryOptions,
  StoreSnapshot,
} from './store-conformance/index.js';
export { ablyTruth, ablyMemberSteps } from './ably-history.js';
export { userTruth } from './user-truth.js';
export type { MemberStep, TruthUser, UserTruth } from './user-truth.js';
export type { SecretOptions } from './secret-options.js';
export { simulate, SimulationOptionsError, membersUrl, checkChannel } from './simulator/index.js';
export {
  ABLY_BACKOFF_BASE_MS,
  ABLY_BACKOFF_MAX_MS,
  ABLY_BATCH_INTERVAL_MS,
  ABLY_MAX_BATCH,
  ABLY_RETENTION_MS,
  PUBNUB_MAX_NETWORK_DELAY_MS,
} from './simulator/index.js';
export type {
  ChannelCheck,
  LatencySummary,
  SimulatedProvider,
  SimulateOptions,
  SimulationProgress,
  SimulationReport,
  Verification,
} from './simulator/index.js';
export { runCli, exitCodeOf, formatReport } from './cli/index.js';
export type { CliIo } from './cli/index.js';
export {
  PUSHER_APP_ID,
  PUSHER_APP_KEY,
  PUSHER_APP_SECRET,
  PUSHER_BATCH_WINDOW_MS,
  PUSHER_MAX_BATCH,
  pusherBody,
  pusherMemberEvent,
  pusherRequest,
  pusherSingleRequest,
  signPusher,
} from './pusher-builders.js';
export type { PusherSignOptions, PusherWebhookEvent } from './pusher-builders.js';
export { generatePusherHistory, pusherTruth, pusherMemberSteps, PUSHER_MEMBER_REMOVED_DELAY_MS } from './pusher-history.js';
export type { PusherHistory, PusherHistoryEntry, PusherHistoryKind, PusherHistoryOptions } from './pusher-history.js';
export { pusherDeliveries, pusherRetryDelays, PUSHER_FIRST_RETRY_MS, PUSHER_RETRY_WINDOW_MS } from './pusher-deliveries.js';
export type { PusherDelivery, PusherDeliveryPlan } from './pusher-deliveries.js';
