// @presence-webhooks/core/store: what a store author needs to implement PresenceStore.
export type {
  ApplyOptions,
  ChangeFeed,
  ChannelWatermark,
  Lease,
  LeaseCapability,
  LeaseStatus,
  PresenceStore,
  UserLevelOptions,
} from '../store.js';
export type {
  Change,
  ChannelChange,
  Member,
  PresenceChange,
  PresenceEvent,
  ProviderName,
  ReportedOccupancy,
  UserChange,
  UserPresence,
} from '../events.js';
export { isMemberChange } from '../events.js';
export { PartialApplyError } from '../store.js';
export type { OrderKey } from '../order-key.js';
export { compareOrder } from '../order-key.js';
export { effectiveChange, compareMembers } from '../presence/merge.js';
export { DEFAULT_TOMBSTONE_HORIZON_MS } from '../presence/memory-store.js';
export { checkApplyOptions, checkUserLevelOptions } from '../presence/apply-options.js';
export { decodeMember, decodeValue, encodeMember, encodeValue, idSortKey } from '../presence/member-codec.js';
// What a resync hands a store: the repair of a channel from a provider's snapshot.
export type { Snapshot } from '../providers/snapshot.js';
export { repairEvents, visibleChanges } from '../resync/repair.js';
export {
  checkKnownKeys,
  describeValue,
  editDistance,
  nonNegativeNumber,
  oneOf,
  optionError,
  optionalBoolean,
  optionalFunction,
  optionalString,
  positiveInteger,
  positiveNumber,
} from '../option-checks.js';
