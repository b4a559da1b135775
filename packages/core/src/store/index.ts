// @presence-webhooks/core/store: what a store author needs to implement PresenceStore.
export type { ApplyOptions, ChannelWatermark, Lease, LeaseCapability, LeaseStatus, PresenceStore } from '../store.js';
export type { Member, OrderKey, PresenceChange, PresenceEvent, ProviderName, ReportedOccupancy } from '../events.js';
export { compareOrder } from '../presence/order.js';
export { effectiveChange, compareMembers } from '../presence/merge.js';
export { DEFAULT_TOMBSTONE_HORIZON_MS } from '../presence/memory-store.js';
export { checkApplyOptions } from '../presence/apply-options.js';
// What a resync hands a store: the repair of a channel from a provider's snapshot.
export type { Snapshot } from '../providers/snapshot.js';
export { repairEvents, visibleChanges } from '../resync/repair.js';
export {
  checkKnownKeys,
  describeValue,
  nonNegativeNumber,
  oneOf,
  optionError,
  optionalBoolean,
  optionalFunction,
  optionalString,
  positiveInteger,
  positiveNumber,
} from '../options/check.js';
