import type { Receiver } from '@presence-webhooks/core';
import type { BuiltRequest } from '../ably-builders.js';

/** What one POST got: an HTTP status, or no answer in time ('timeout') or at all ('error'). */
export interface Outcome {
  status: number | 'timeout' | 'error';
  /** Real milliseconds from send to answer. */
  ms: number;
}

/** What a read of a channel's members got. */
export type ReadOutcome =
  | { kind: 'members'; members: unknown[] }
  /** A presence-webhooks receiver answered, with its read endpoint off (404 `read_endpoint_off`). */
  | { kind: 'off' }
  /** No read endpoint answered: `status` 404 (nothing serves that path) or 405 (something there refuses GET). */
  | { kind: 'unavailable'; status: number }
  | { kind: 'unauthorized' }
  /** `network`: no HTTP answer at all (connection refused, DNS, reset), as opposed to a bad answer or an abort. */
  | { kind: 'error'; message: string; network?: boolean };

/** Where the simulator sends webhooks and reads the receiver's set back. */
export interface Transport {
  readonly target: string;
  post(request: BuiltRequest, timeoutMs: number): Promise<Outcome>;
  /** `signal` aborts the read (it then answers an error). */
  members(channel: string, signal?: AbortSignal): Promise<ReadOutcome>;
}

/** The read endpoint of a webhook URL: `<path>/channels/<channel>/members` (query and fragment dropped). */
export function membersUrl(webhookUrl: string, channel: string): string {
  const url = new URL(webhookUrl);
  url.search = '';
  url.hash = '';
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/channels/${encodeURIComponent(channel)}/members`;
  return url.toString();
}

/** The `error.code` of a receiver's JSON error answer (`{ "error": { "code", "message" } }`), if the text is one. */
function errorCodeOf(text: string): string | undefined {
  try {
    const code = (JSON.parse(text) as { error?: { code?: unknown } } | null)?.error?.code;
    return typeof code === 'string' ? code : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Real HTTP with the runtime's fetch (keep-alive connections); the answer body is read and discarded. Several
 * URLs (a fleet): each delivery goes to the next in turn; the sets are read from the first.
 */
export function httpTransport(urls: readonly string[], readToken?: string): Transport {
  const url = urls[0] as string;
  let turn = 0;
  return {
    target: urls.join(', '),
    async post(request, timeoutMs) {
      const to = urls[turn++ % urls.length] as string;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const started = performance.now();
      try {
        const response = await fetch(to + (request.query ?? ''), {
          method: 'POST',
          headers: request.headers,
          body: request.body,
          signal: controller.signal,
        });
        await response.arrayBuffer();
        return { status: response.status, ms: performance.now() - started };
      } catch {
        return { status: controller.signal.aborted ? 'timeout' : 'error', ms: performance.now() - started };
      } finally {
        clearTimeout(timer);
      }
    },
    async members(channel, signal) {
      try {
        const headers: Record<string, string> = readToken === undefined ? {} : { authorization: `Bearer ${readToken}` };
        const response = await fetch(membersUrl(url, channel), {
          headers,
          signal: signal === undefined ? AbortSignal.timeout(10_000) : AbortSignal.any([signal, AbortSignal.timeout(10_000)]),
        });
        const text = await response.text();
        if (response.status === 401) return { kind: 'unauthorized' };
        if (response.status === 404 && errorCodeOf(text) === 'read_endpoint_off') return { kind: 'off' };
        if (response.status === 404 || response.status === 405) return { kind: 'unavailable', status: response.status };
        if (response.status !== 200)
          return { kind: 'error', message: `GET ${membersUrl(url, channel)} answered ${response.status}: ${text.slice(0, 200)}` };
        const members = (JSON.parse(text) as { members?: unknown }).members;
        if (!Array.isArray(members))
          return { kind: 'error', message: `GET ${membersUrl(url, channel)} answered JSON without a members list` };
        return { kind: 'members', members: members as unknown[] };
      } catch (error) {
        const e = error as Error & { cause?: { code?: unknown; message?: unknown } };
        const network = e.name === 'TypeError' && e.cause !== undefined; // fetch's "fetch failed", with the socket error as its cause
        const why = network && typeof e.cause?.code === 'string' ? `${e.message} (${e.cause.code})` : e.message;
        return { kind: 'error', message: `GET ${membersUrl(url, channel)} failed: ${why}`, ...(network ? { network: true } : {}) };
      }
    },
  };
}

/** An in-process receiver: `receiver.handle` for the POSTs, its store for the reads. */
export function receiverTransport(receiver: Receiver): Transport {
  return {
    target: 'receiver',
    async post(request) {
      const started = performance.now();
      try {
        const answer = await receiver.handle({
          method: 'POST',
          headers: request.headers,
          body: request.body,
          url: `/${request.query ?? ''}`,
        });
        return { status: answer.status, ms: performance.now() - started };
      } catch {
        return { status: 'error', ms: performance.now() - started };
      }
    },
    async members(channel) {
      await receiver.idle();
      return { kind: 'members', members: await receiver.store.members(channel) };
    },
  };
}
