import type { RestOptions } from '../../rest/options.js';

/** PubNub's Here Now takes a requesting uuid, and an auth token on keysets with Access Manager. */
export interface PubNubRestOptions extends RestOptions {
  /** The uuid the receiver presents to Here Now. Default `presence-webhooks-resync`. */
  uuid?: string;
  /** Access Manager token (sent as `auth`), when the keyset needs one. */
  authKey?: string;
}

export interface PubNubOptions {
  /** Shared secret the webhook URL or a custom header carries (PubNub signs nothing). Required unless `insecure`. */
  secret?: string;
  /** Header carrying `secret`; default `x-webhook-secret`. A `secret` query parameter also works. */
  secretHeader?: string;
  /**
   * Accept requests without a secret when no `secret` is configured. Logs a warning once. Never in
   * production. With a `secret`, the secret is always required and this has no effect.
   */
  insecure?: boolean;
  /** The subscribe key, for resync through Here Now. */
  subscribeKey?: string;
  /** The REST API that `resync` reads Here Now from. */
  rest?: PubNubRestOptions;
  /** Bounds for multipart/form-data bodies (channel active / inactive webhooks). */
  multipart?: MultipartLimits;
}

export interface MultipartLimits {
  /** Most parts in one body (default 16; PubNub sends 4). */
  parts?: number;
  /** Largest field value in bytes (default 4096). */
  fieldSize?: number;
}
