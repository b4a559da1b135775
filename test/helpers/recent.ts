// Realistic provider times for fixtures: a few minutes ago, on a whole second (PubNub's legacy times are
// seconds). A receiver treats events older than its horizon (10 minutes) as stale and far-future ones as invalid.
export const RECENT_MS = Math.floor((Date.now() - 5 * 60_000) / 1000) * 1000;
export const RECENT_S = RECENT_MS / 1000;
