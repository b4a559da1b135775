// `@presence-webhooks/testing/builders`: signed provider requests, histories and their truth.
export { signAbly, ablyKeyName } from '../sign.js';
export type { SecretOptions } from '../secret-options.js';
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
} from '../ably-builders.js';
export type { AblyItem, BuiltRequest, RawAblyPresence, SignOptions, WireFormat } from '../ably-builders.js';
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
} from '../pubnub-builders.js';
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
} from '../pubnub-builders.js';
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
} from '../pusher-builders.js';
export type { PusherSignOptions, PusherWebhookEvent } from '../pusher-builders.js';
export {
  ablyMemberSteps,
  ablyPresenceFold,
  ablyTruth,
  generateAblyHistory,
  sortMembers,
  SYNTHETIC_LEAVE_DELAY_MS,
} from '../ably-history.js';
export type { AblyHistory, AblyHistoryOptions, HistoryEntry, TruthMember } from '../ably-history.js';
export { generatePubNubHistory, pubnubTruth, pubnubMemberSteps } from '../pubnub-history.js';
export type { PubNubHistory, PubNubHistoryEntry, PubNubHistoryOptions } from '../pubnub-history.js';
export { generatePusherHistory, pusherTruth, pusherMemberSteps, PUSHER_MEMBER_REMOVED_DELAY_MS } from '../pusher-history.js';
export type { PusherHistory, PusherHistoryEntry, PusherHistoryKind, PusherHistoryOptions } from '../pusher-history.js';
export { userTruth } from '../user-truth.js';
export type { MemberStep, TruthUser, UserTruth } from '../user-truth.js';
export { seededRandom, shuffle, pick } from '../random.js';
export type { Random } from '../random.js';
