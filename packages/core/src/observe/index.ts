// @presence-webhooks/core/observe: for metrics and tracing (node:diagnostics_channel names and the
// messages published on them, and the receiver's counters). The README's Observability section lists them.
export {
  DELIVERY_CHANNEL,
  DRIFT_CHANNEL,
  HANDLE_CHANNEL,
  RECONCILE_CHANNEL,
  REJECTION_CHANNEL,
  RESYNC_CHANNEL,
  STORE_APPLY_CHANNEL,
} from './channels.js';
export type {
  DeliveryMessage,
  DeliveryOutcome,
  DriftMessage,
  HandleTraceContext,
  ReconcileMessage,
  RejectionMessage,
  ResyncMessage,
  ResyncOutcome,
  StoreApplyTraceContext,
} from './channels.js';
export type { ReceiverStats, StatsProvider } from './stats.js';
