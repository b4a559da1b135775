import type { RequestHeaders } from '../http/headers.js';
import { bearerToken, getHeader } from '../http/headers.js';
import { AddressThrottle } from '../http/address-throttle.js';
import type { WebhookResponse } from '../http/response.js';
import { secretsEqual } from '../secrets.js';
import { guarded, refusal } from './guarded.js';
import { SESSION_COOKIE, SessionBook, sessionFromCookie } from './sessions.js';

/** Failed sign-ins allowed per client address within SIGN_IN_WINDOW_MS; above it that address gets 429. */
const SIGN_IN_FAILURES = 10;
const SIGN_IN_WINDOW_MS = 60_000;
/**
 * Failed sign-ins of all addresses within SIGN_IN_WINDOW_MS above which every address that has
 * failed gets 429 at once: a guess from many addresses is slowed, and an address without a failure
 * (the operator) still signs in.
 */
const SIGN_IN_CEILING = 100;
const HEADER = 'x-presence-inspector';

/** A state-changing request must carry the custom header (a cross-site form cannot) and, if sent, a same-host Origin. */
export function sameOrigin(headers: RequestHeaders): boolean {
  if (getHeader(headers, HEADER) !== '1') return false;
  const origin = getHeader(headers, 'origin');
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === getHeader(headers, 'host');
  } catch {
    return false;
  }
}

/**
 * The inspector's sessions: sign in with the token (compared in constant time; failures throttled per
 * address and in all) for an HttpOnly, SameSite=Strict cookie, sign out, and whether a request is signed in.
 */
export class SignIn {
  private readonly sessions = new SessionBook();
  private readonly failures = new AddressThrottle({ limit: SIGN_IN_FAILURES, windowMs: SIGN_IN_WINDOW_MS });
  private allFailures = { count: 0, since: 0 };

  constructor(private readonly token: string) {}

  signIn(headers: RequestHeaders, address: string | undefined): WebhookResponse {
    if (!sameOrigin(headers))
      return refusal(403, 'unauthorized', 'Sign in from the inspector page (X-Presence-Inspector header, same origin)');
    const now = Date.now();
    if (now - this.allFailures.since > SIGN_IN_WINDOW_MS) this.allFailures = { count: 0, since: now };
    const overCeiling = this.allFailures.count >= SIGN_IN_CEILING && this.failures.hasFailed(address);
    const wait = overCeiling ? Math.ceil((this.allFailures.since + SIGN_IN_WINDOW_MS - now) / 1000) : this.failures.retryAfter(address);
    if (wait > 0) {
      return refusal(429, 'server_busy', `Too many failed sign-ins from this address; wait ${wait} s`, { retryAfter: wait });
    }
    const token = bearerToken(headers);
    if (token === undefined || !secretsEqual(token, this.token)) {
      this.failures.failed(address);
      this.allFailures.count++;
      return refusal(401, 'unauthorized', 'Wrong inspector token');
    }
    this.failures.succeeded(address);
    const id = this.sessions.open();
    // No Path attribute: the browser scopes the cookie to the request's directory, <mount>/inspector (RFC 6265 5.1.4).
    const cookie = `${SESSION_COOKIE}=${id}; HttpOnly; SameSite=Strict; Max-Age=${this.sessions.ttlSeconds}`;
    return guarded({ status: 204, headers: { 'set-cookie': cookie }, body: '' });
  }

  /** Sign out: forget the session the cookie names and clear the cookie (a request without a session is answered the same). */
  signOut(headers: RequestHeaders): WebhookResponse {
    if (!sameOrigin(headers))
      return refusal(403, 'unauthorized', 'Sign out from the inspector page (X-Presence-Inspector header, same origin)');
    this.sessions.close(sessionFromCookie(getHeader(headers, 'cookie')));
    const cookie = `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Max-Age=0`;
    return guarded({ status: 204, headers: { 'set-cookie': cookie }, body: '' });
  }

  signedIn(headers: RequestHeaders): boolean {
    return this.sessions.valid(sessionFromCookie(getHeader(headers, 'cookie')));
  }
}
