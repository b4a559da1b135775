import type { RestOptions } from '../../rest/options.js';

/** Ably's REST API; `prefix` limits a whole-app reconcile to the channels whose name starts with it. */
export interface AblyRestOptions extends RestOptions {
  prefix?: string;
}

/** A cipher key: raw bytes, or base64 text (as Ably's dashboard shows it). */
export type CipherKey = string | Uint8Array;

export interface AblyOptions {
  /**
   * API keys whose secret signs the webhooks (`appId.keyId:keySecret`). X-Ably-Key picks one;
   * several keys make rotation seamless. Required unless `secret` or `insecure` is set.
   */
  keys?: readonly string[];
  /**
   * Shared secret that a rule sends in a custom header (or `?secret=`), for unsigned single-request
   * webhooks. Signed requests are always checked against `keys`.
   */
  secret?: string;
  /** Header carrying `secret`; default `x-webhook-secret`. */
  secretHeader?: string;
  /** Cipher keys per channel for `cipher+aes-128-cbc` / `cipher+aes-256-cbc` data. */
  cipherKeys?: Readonly<Record<string, CipherKey>> | ((channel: string) => CipherKey | undefined);
  /** Accept unsigned, secret-less requests. Logs a warning once. Never in production. */
  insecure?: boolean;
  /** The REST API that `resync` and `reconcile` read presence from, with Basic auth by `keys[0]`. */
  rest?: AblyRestOptions;
}
