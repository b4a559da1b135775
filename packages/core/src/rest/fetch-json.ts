import { parseJson } from '../http/safe-json.js';
import type { ProviderName } from '../events.js';
import { ResyncError } from './resync-error.js';

export interface JsonAnswer {
  status: number;
  headers: Headers;
  json: unknown;
}

export interface FetchJsonInput {
  provider: ProviderName;
  channel: string;
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Aborts the request when the receiver closes. */
  signal?: AbortSignal;
  /** The provider's own words for a failed answer (its error body), for the message. */
  describeError: (json: unknown) => string | undefined;
}

const MAX_ERROR_TEXT = 200;

/**
 * GET a JSON document with a timeout: the only network edge of resync. Anything but a 2xx JSON
 * answer becomes a ResyncError that names the provider, the channel and the status.
 */
export async function fetchJson(input: FetchJsonInput): Promise<JsonAnswer> {
  const { provider, channel, url } = input;
  const timeout = AbortSignal.timeout(input.timeoutMs);
  const signal = input.signal === undefined ? timeout : AbortSignal.any([timeout, input.signal]);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { method: 'GET', headers: { accept: 'application/json', ...input.headers }, signal, redirect: 'error' });
    text = await response.text();
  } catch (error) {
    const why = timeout.aborted
      ? `no answer within ${input.timeoutMs} ms`
      : input.signal?.aborted === true
        ? 'the receiver was closed'
        : `request failed (${error instanceof Error ? error.message : String(error)})`;
    throw new ResyncError(provider, channel, `GET ${redact(url)}: ${why}`, { cause: error });
  }
  let json: unknown;
  let parsed = true;
  try {
    json = text === '' ? undefined : parseJson(text);
  } catch {
    parsed = false;
  }
  if (response.status < 200 || response.status > 299) {
    const words = (parsed ? input.describeError(json) : undefined) ?? text.slice(0, MAX_ERROR_TEXT);
    const retryAfter = response.headers.get('retry-after') ?? undefined;
    throw new ResyncError(provider, channel, `GET ${redact(url)} answered ${response.status}${words === '' ? '' : `: ${words}`}`, {
      status: response.status,
      ...(retryAfter === undefined ? {} : { retryAfter }),
    });
  }
  if (!parsed)
    throw new ResyncError(provider, channel, `GET ${redact(url)} answered ${response.status} with a body that is not JSON`, {
      status: response.status,
    });
  return { status: response.status, headers: response.headers, json };
}

/** The URL without its query string (which may carry an auth token). */
function redact(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}
