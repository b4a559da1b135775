export interface PubNubOptions {
  /** Shared secret the webhook URL or a custom header carries (PubNub signs nothing). Required unless `insecure`. */
  secret?: string;
  /** Header carrying `secret`; default `x-webhook-secret`. A `secret` query parameter also works. */
  secretHeader?: string;
  /** Accept requests without a secret. Logs a warning once. Never in production. */
  insecure?: boolean;
  /** The subscribe key, for resync through Here Now. */
  subscribeKey?: string;
}
