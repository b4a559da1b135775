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
export { generateAblyHistory, sortMembers, SYNTHETIC_LEAVE_DELAY_MS } from './ably-history.js';
export type { AblyHistory, AblyHistoryOptions, HistoryEntry, TruthMember } from './ably-history.js';
export { ablyDeliveries } from './ably-deliveries.js';
export type { DeliveryPlan } from './ably-deliveries.js';
export { seededRandom, shuffle, pick } from './random.js';
export type { Random } from './random.js';
