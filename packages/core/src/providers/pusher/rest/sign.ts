import { createHmac } from 'node:crypto';

/** The key and secret a REST request is signed with. */
export interface PusherCredentials {
  key: string;
  secret: string;
}

/**
 * Pusher's REST request signing (auth_version 1.0): the query gets `auth_key`, `auth_timestamp`
 * (Unix seconds) and `auth_version=1.0`; its `name=value` pairs, sorted by name and joined by `&`,
 * form the string `METHOD\nPATH\nQUERY`, whose hex HMAC-SHA256 with the secret is `auth_signature`.
 * Returns the query string to send (values percent-encoded; they are signed as they are). Pure.
 */
export function signedQuery(
  method: string,
  path: string,
  params: Readonly<Record<string, string>>,
  credentials: PusherCredentials,
  nowMs: number,
): string {
  const all: Record<string, string> = {
    ...params,
    auth_key: credentials.key,
    auth_timestamp: String(Math.floor(nowMs / 1000)),
    auth_version: '1.0',
  };
  const names = Object.keys(all).sort();
  const signed = names.map((name) => `${name}=${all[name]}`).join('&');
  const signature = createHmac('sha256', credentials.secret).update(`${method.toUpperCase()}\n${path}\n${signed}`).digest('hex');
  return `${names.map((name) => `${encodeURIComponent(name)}=${encodeURIComponent(all[name] as string)}`).join('&')}&auth_signature=${signature}`;
}

/** Pusher's channel names: letters, digits and `_ - = @ , . ;`, at most 200 characters (they go unencoded in a signed path). */
export function isPusherChannelName(channel: string): boolean {
  return channel.length > 0 && channel.length <= 200 && /^[A-Za-z0-9_\-=@,.;]+$/.test(channel);
}
