import type { RestOptions } from '../../rest/options.js';

/** One app key and its secret, as the Pusher dashboard shows them (App Keys). */
export interface PusherKey {
  /** The app key: Pusher sends it in `X-Pusher-Key`. */
  key: string;
  /** The app secret: signs the webhooks (`X-Pusher-Signature`) and the REST requests. */
  secret: string;
}

/** Pusher Channels (and Soketi / Sockudo): `{ keys: [{ key, secret }], appId?, rest? }`. */
export interface PusherOptions {
  /**
   * The app's key / secret pairs. A webhook is checked against every secret configured for the key
   * its `X-Pusher-Key` names (several pairs with one key, or several keys, make rotation seamless).
   * REST requests are signed with `keys[0]`.
   */
  keys: readonly PusherKey[];
  /** The app id, for resync through the REST API (`/apps/{appId}/...`). */
  appId?: string;
  /** The REST API that `resync` reads presence from (default `https://api-mt1.pusher.com`; Soketi / Sockudo: your server). */
  rest?: RestOptions;
}
