/**
 * PubNub presence event kinds, and how the two wire formats name them: the legacy presence
 * webhooks' `action` (JSON) / `status` (multipart), and the Events & Actions schema names.
 */
export type PubNubEventKind = 'join' | 'leave' | 'timeout' | 'state-change' | 'active' | 'inactive' | 'interval';

/** The prefix every Events & Actions presence schema starts with. */
export const PRESENCE_SCHEMA_PREFIX = 'pubnub.com/schemas/events/presence.';

const SCHEMA_KINDS: Readonly<Record<string, PubNubEventKind>> = {
  'user.channel.joined': 'join',
  'user.channel.left': 'leave',
  'user.timedout.in.channel': 'timeout',
  'channel.user.state.in.changed': 'state-change',
  'channel.state.active': 'active',
  'channel.state.inactive': 'inactive',
  'channel.occupancy.counted': 'interval',
};

const LEGACY_ACTIONS: Readonly<Record<string, PubNubEventKind>> = {
  join: 'join',
  leave: 'leave',
  timeout: 'timeout',
  'state-change': 'state-change',
  interval: 'interval',
  active: 'active',
  inactive: 'inactive',
};

/**
 * The kind an Events & Actions schema names: `pubnub.com/schemas/events/presence.<name>?v=<version>`
 * (a leading scheme such as `https://` is tolerated; any version is accepted). Undefined when the
 * schema is not one of the presence schemas.
 */
export function kindOfSchema(schema: string): PubNubEventKind | undefined {
  const start = schema.indexOf(PRESENCE_SCHEMA_PREFIX);
  if (start < 0) return undefined;
  const rest = schema.slice(start + PRESENCE_SCHEMA_PREFIX.length);
  const q = rest.indexOf('?');
  const name = q < 0 ? rest : rest.slice(0, q);
  return Object.hasOwn(SCHEMA_KINDS, name) ? SCHEMA_KINDS[name] : undefined;
}

/** The kind a legacy `action` (JSON) or `status` (multipart) names. */
export function kindOfLegacyAction(action: unknown): PubNubEventKind | undefined {
  if (typeof action !== 'string') return undefined;
  const lower = action.toLowerCase();
  return Object.hasOwn(LEGACY_ACTIONS, lower) ? LEGACY_ACTIONS[lower] : undefined;
}
