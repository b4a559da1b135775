/**
 * The inspector, served through `receiver.handle` under the adapter's mount (like the read endpoint):
 *   GET  <mount>/inspector           the page (no presence data in it)
 *   POST <mount>/inspector/session   sign in: `Authorization: Bearer <token>` + `X-Presence-Inspector: 1`
 *                                    -> `Set-Cookie: pw_inspector=…; HttpOnly; SameSite=Strict` (path: <mount>/inspector)
 *                                    failed sign-ins are throttled per client address (429 with Retry-After)
 *   POST <mount>/inspector/signout   sign out (`X-Presence-Inspector: 1`): the session is forgotten, the cookie cleared
 *   GET  <mount>/inspector/state     a page of channels, counts, drift, stats, the chart's series;
 *                                    `?q=&page=` search and page the channels, `?channel=&mq=&mpage=` the members
 *                                    (grouped by user), `&upage=` the channel's users, `?user=` one user by exact id (session)
 *   GET  <mount>/inspector/events    Server-Sent Events: join, update, leave, user.online, user.offline, user.join,
 *                                    user.leave, occupancy, drift, resync, rejection (session)
 *   POST <mount>/inspector/resync?channel=  only with `actions: true` (session + X-Presence-Inspector header)
 * Without a valid session nothing of the presence set is served. Off by default.
 */
import { randomBytes } from 'node:crypto';
import type { Handler } from '../emitter.js';
import { toError, WebhookError } from '../errors.js';
import type {
  DriftEvent,
  JoinEvent,
  Member,
  OccupancyEvent,
  PresenceEventName,
  ProviderName,
  UserJoinEvent,
  UserLeaveEvent,
  UserOfflineEvent,
  UserOnlineEvent,
} from '../events.js';
import type { RequestHeaders } from '../http/headers.js';
import { getHeader } from '../http/headers.js';
import type { WebhookResponse } from '../http/response.js';
import { errorResponse, jsonResponse } from '../http/response.js';
import type { ReceiverStats } from '../observe/stats.js';
import { secretsEqual } from '../secrets.js';
import type { ResyncResult } from '../resync/resyncer.js';
import type { PresenceStore } from '../store.js';
import { EventStream } from './event-stream.js';
import { pageSecurityPolicy, renderPage } from './page.js';
import { AddressThrottle } from '../http/address-throttle.js';
import { SESSION_COOKIE, SessionBook, sessionFromCookie } from './sessions.js';
import type { ChannelActivity, ReportedFigure, StateQuery } from './state.js';
import { buildState } from './state.js';
import { Timeline } from './timeline.js';

/** `inspector: { token, actions? }` on createReceiver (checked in options/resolve.ts). */
export interface InspectorOptions {
  /** What an operator types to sign in (compared in constant time). At least 16 characters. */
  token: string;
  /** Show a "resync this channel" button (POST <mount>/inspector/resync). Default false: read-only. */
  actions?: boolean;
}

/** A receiver happening that is not a typed event: for the live stream. */
export type InspectorNotice =
  | { type: 'rejection'; status: number; code: string; message: string }
  | { type: 'resync'; provider: string; channel: string; outcome: string; changes: number };

/** What the inspector needs from its receiver. */
export interface InspectorContext {
  store: PresenceStore;
  stats(): ReceiverStats;
  resync(channel: string): Promise<ResyncResult>;
  on<K extends PresenceEventName>(name: K, handler: Handler<K>): () => void;
  report(error: Error): void;
  /** With user levels on: a member's user id (as the store records it), and the users online app-wide. */
  userOf?(member: Member, provider: ProviderName | undefined): string;
  userCount?(): Promise<number>;
}

export interface InspectorRequest {
  method: string;
  headers: RequestHeaders;
  url?: string;
  /** The client's address (failed sign-ins are counted per address). */
  remoteAddress?: string;
}

export const STREAM_LIMIT = 16;
const NOTED_LIMIT = 10_000;
/** Members and users online (the chart) are read from the store at most this often, over at most ONLINE_CHANNELS channels. */
const ONLINE_EVERY_MS = 5000;
const ONLINE_CHANNELS = 2000;
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
const ROUTE = /^\/inspector(?:\/([a-z]*))?\/?$/;

/** Headers of every inspector answer: never cached, never framed, never sniffed. */
const GUARD: Record<string, string> = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};
const API_POLICY = "default-src 'none'; frame-ancestors 'none'";

function guarded(response: WebhookResponse, policy = API_POLICY): WebhookResponse {
  return { ...response, headers: { ...response.headers, ...GUARD, 'content-security-policy': policy } };
}

function refusal(
  status: number,
  code: 'unauthorized' | 'not_found' | 'method_not_allowed' | 'server_busy',
  message: string,
  details?: Record<string, unknown>,
): WebhookResponse {
  return guarded(errorResponse(new WebhookError(status, code, message, details)));
}

/** Member data in the stream, cut to a bounded size. */
function memberOf(event: JoinEvent): Record<string, unknown> {
  const { clientId, connectionId } = event.member;
  let data = event.data;
  if (data !== undefined) {
    const text = JSON.stringify(data) ?? '';
    if (text.length > 2048) data = `${text.slice(0, 2045)}...`;
  }
  return { clientId, connectionId, data };
}

/** The path of a request relative to the mount, when it is an inspector route. */
function inspectorRoute(url: string): { route: string; query: URLSearchParams } | undefined {
  const q = url.search(/[?#]/);
  const match = ROUTE.exec(q < 0 ? url : url.slice(0, q));
  if (match === null) return undefined;
  return { route: match[1] ?? '', query: new URLSearchParams(q < 0 ? '' : url.slice(q + 1).split('#')[0]) };
}

/** With the inspector off, its routes answer 404 and say how to turn it on (never a webhook delivery). */
export function inspectorOff(request: InspectorRequest): WebhookResponse | undefined {
  if (inspectorRoute(request.url ?? '/') === undefined) return undefined;
  return refusal(404, 'not_found', 'The inspector is off: createReceiver({ inspector: { token } }) turns it on');
}

export class Inspector {
  private readonly sessions = new SessionBook();
  private readonly streams = new Set<EventStream>();
  private readonly noted = new Map<string, ReportedFigure>();
  private readonly activity = new Map<string, ChannelActivity>();
  private readonly timeline = new Timeline();
  private onlineReadAt = 0;
  private readonly actions: boolean;
  private liveOff: (() => void)[] = [];
  private readonly failures = new AddressThrottle({ limit: SIGN_IN_FAILURES, windowMs: SIGN_IN_WINDOW_MS });
  private allFailures = { count: 0, since: 0 };

  constructor(
    private readonly context: InspectorContext,
    private readonly options: InspectorOptions,
  ) {
    this.actions = options.actions === true;
    // The reported figures are noted even while no page is open.
    context.on('occupancy', (e) => this.onOccupancy(e));
    context.on('drift', (e) => this.onDrift(e));
    // The chart and each channel's provider and last change, kept while no page is open too (O(1) per change).
    context.on('join', (e) => {
      this.timeline.joined();
      this.changed(e);
    });
    context.on('update', (e) => this.changed(e));
    context.on('leave', (e) => {
      this.timeline.left();
      this.changed(e);
    });
    if (context.userCount !== undefined) {
      context.on('user.online', () => this.timeline.userOnline());
      context.on('user.offline', () => this.timeline.userOffline());
    }
  }

  /** The answer to an inspector request, or undefined when the request is not one. */
  answer(request: InspectorRequest): Promise<WebhookResponse> | WebhookResponse | undefined {
    const found = inspectorRoute(request.url ?? '/');
    if (found === undefined) return undefined;
    const { route, query } = found;
    const method = request.method.toUpperCase();
    if (route === '')
      return method === 'GET' || method === 'HEAD' ? this.page() : refusal(405, 'method_not_allowed', `${method} is not allowed here`);
    if (route === 'session')
      return method === 'POST'
        ? this.signIn(request.headers, request.remoteAddress)
        : refusal(405, 'method_not_allowed', 'Sign in with POST');
    if (route === 'signout')
      return method === 'POST' ? this.signOut(request.headers) : refusal(405, 'method_not_allowed', 'Sign out with POST');
    if (!this.signedIn(request.headers))
      return refusal(401, 'unauthorized', 'Sign in to the inspector first (POST <mount>/inspector/session with the token)');
    if (route === 'state' && method === 'GET') return this.state(query);
    if (route === 'events' && method === 'GET') return this.events();
    if (route === 'resync' && method === 'POST') return this.resync(request.headers, query.get('channel'));
    return refusal(404, 'not_found', 'No such inspector route');
  }

  /** Send a notice (rejection, resync) to the open pages. */
  notify(notice: InspectorNotice): void {
    if (notice.type === 'rejection') this.timeline.rejected();
    // A complete resync made the store the provider's snapshot: a figure reported before it no longer stands.
    if (notice.type === 'resync' && notice.outcome === 'complete') this.noted.delete(notice.channel);
    if (this.streams.size === 0) return;
    const { type, ...data } = notice;
    for (const stream of this.streams) stream.send(type, data);
  }

  /** End every open stream. */
  close(): void {
    for (const stream of [...this.streams]) stream.close();
  }

  private page(): WebhookResponse {
    const nonce = randomBytes(18).toString('base64');
    return guarded(
      { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: renderPage(nonce) },
      pageSecurityPolicy(nonce),
    );
  }

  private signIn(headers: RequestHeaders, address: string | undefined): WebhookResponse {
    if (!this.sameOrigin(headers))
      return refusal(403, 'unauthorized', 'Sign in from the inspector page (X-Presence-Inspector header, same origin)');
    const now = Date.now();
    if (now - this.allFailures.since > SIGN_IN_WINDOW_MS) this.allFailures = { count: 0, since: now };
    const overCeiling = this.allFailures.count >= SIGN_IN_CEILING && this.failures.hasFailed(address);
    const wait = overCeiling ? Math.ceil((this.allFailures.since + SIGN_IN_WINDOW_MS - now) / 1000) : this.failures.retryAfter(address);
    if (wait > 0) {
      return refusal(429, 'server_busy', `Too many failed sign-ins from this address; wait ${wait} s`, { retryAfter: wait });
    }
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(getHeader(headers, 'authorization') ?? '');
    if (match === null || !secretsEqual(match[1] as string, this.options.token)) {
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
  private signOut(headers: RequestHeaders): WebhookResponse {
    if (!this.sameOrigin(headers))
      return refusal(403, 'unauthorized', 'Sign out from the inspector page (X-Presence-Inspector header, same origin)');
    this.sessions.close(sessionFromCookie(getHeader(headers, 'cookie')));
    const cookie = `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Max-Age=0`;
    return guarded({ status: 204, headers: { 'set-cookie': cookie }, body: '' });
  }

  private signedIn(headers: RequestHeaders): boolean {
    return this.sessions.valid(sessionFromCookie(getHeader(headers, 'cookie')));
  }

  /** A state-changing request must carry the custom header (a cross-site form cannot) and, if sent, a same-host Origin. */
  private sameOrigin(headers: RequestHeaders): boolean {
    if (getHeader(headers, HEADER) !== '1') return false;
    const origin = getHeader(headers, 'origin');
    if (origin === undefined) return true;
    try {
      return new URL(origin).host === getHeader(headers, 'host');
    } catch {
      return false;
    }
  }

  private async state(params: URLSearchParams): Promise<WebhookResponse> {
    const number = (name: string) => {
      const n = Number(params.get(name) ?? '0');
      return Number.isSafeInteger(n) && n >= 0 ? n : 0;
    };
    const query: StateQuery = {
      q: params.get('q') ?? '',
      page: number('page'),
      memberQ: params.get('mq') ?? '',
      memberPage: number('mpage'),
      userPage: number('upage'),
    };
    const channel = params.get('channel');
    if (channel !== null) query.channel = channel;
    const user = params.get('user');
    if (user !== null) query.user = user;
    try {
      await this.readOnline();
      const state = await buildState(
        {
          store: this.context.store,
          stats: this.context.stats(),
          noted: this.noted,
          activity: this.activity,
          actions: this.actions,
          timeline: this.timeline.snapshot(),
          ...(this.context.userOf === undefined ? {} : { userOf: this.context.userOf }),
        },
        query,
      );
      return guarded(jsonResponse(200, state));
    } catch (error) {
      this.context.report(toError(error));
      return guarded(errorResponse(new WebhookError(503, 'store_failed', 'The presence store is unavailable; retry')));
    }
  }

  private events(): WebhookResponse {
    if (this.streams.size >= STREAM_LIMIT) return refusal(503, 'server_busy', `At most ${STREAM_LIMIT} inspector pages at once`);
    const stream = new EventStream((closed) => this.dropStream(closed));
    this.streams.add(stream);
    if (this.streams.size === 1) this.watchChanges();
    return guarded({
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no' },
      body: '',
      stream,
    });
  }

  private async resync(headers: RequestHeaders, channel: string | null): Promise<WebhookResponse> {
    if (!this.actions) return refusal(403, 'unauthorized', 'The inspector is read-only: enable inspector.actions to resync from it');
    if (!this.sameOrigin(headers))
      return refusal(403, 'unauthorized', 'Resync from the inspector page (X-Presence-Inspector header, same origin)');
    if (channel === null || channel === '')
      return guarded(errorResponse(new WebhookError(400, 'invalid_body', 'Name the channel: ?channel=<name>')));
    try {
      const result = await this.context.resync(channel);
      return guarded(
        jsonResponse(200, {
          channel,
          provider: result.provider,
          reported: result.reported,
          stored: result.stored,
          changes: result.changes.length,
          complete: result.complete,
        }),
      );
    } catch (error) {
      return guarded(jsonResponse(502, { error: { code: 'resync_failed', message: toError(error).message } }));
    }
  }

  /** Join / update / leave reach the streams only while a page is open (no cost otherwise). */
  private watchChanges(): void {
    const send = (type: string) => (event: JoinEvent) =>
      this.broadcast(type, { provider: event.provider, channel: event.channel, member: memberOf(event) });
    // User-level events: ids, channel and provider times only (never member data).
    const person = (type: string) => (event: UserOnlineEvent | UserOfflineEvent | UserJoinEvent | UserLeaveEvent) =>
      this.broadcast(type, { ...event });
    this.liveOff = [
      this.context.on('join', send('join')),
      this.context.on('update', send('update')),
      this.context.on('leave', send('leave')),
      ...(this.context.userOf === undefined
        ? []
        : [
            this.context.on('user.online', person('user.online')),
            this.context.on('user.offline', person('user.offline')),
            this.context.on('user.join', person('user.join')),
            this.context.on('user.leave', person('user.leave')),
          ]),
    ];
  }

  private dropStream(stream: EventStream): void {
    this.streams.delete(stream);
    if (this.streams.size > 0) return;
    for (const off of this.liveOff) off();
    this.liveOff = [];
  }

  private broadcast(type: string, data: unknown): void {
    for (const stream of this.streams) stream.send(type, data);
  }

  /** Members online for the chart, from the store, at most every ONLINE_EVERY_MS (the chart moves it with each join and leave between). */
  private async readOnline(): Promise<void> {
    const now = Date.now();
    if (now - this.onlineReadAt < ONLINE_EVERY_MS) return;
    this.onlineReadAt = now;
    const names = (await this.context.store.channels()).slice(0, ONLINE_CHANNELS);
    let total = 0;
    for (let i = 0; i < names.length; i += 16) {
      const counts = await Promise.all(names.slice(i, i + 16).map((name) => this.context.store.occupancy(name)));
      for (const n of counts) total += n;
    }
    this.timeline.setOnline(total);
    if (this.context.userCount !== undefined) this.timeline.setUsersOnline(await this.context.userCount());
  }

  private changed(event: JoinEvent): void {
    const known = this.activity.get(event.channel);
    const changedAt = Math.max(known?.changedAt ?? -Infinity, event.timestamp);
    this.activity.delete(event.channel);
    this.activity.set(event.channel, { provider: event.provider, changedAt, seenAt: Date.now() });
    if (this.activity.size > NOTED_LIMIT) this.activity.delete(this.activity.keys().next().value as string);
  }

  private note(channel: string, figure: ReportedFigure): void {
    const known = this.noted.get(channel);
    if (known !== undefined && known.timestamp > figure.timestamp) return;
    this.noted.delete(channel);
    this.noted.set(channel, { ...figure, notedAt: Date.now() });
    if (this.noted.size > NOTED_LIMIT) this.noted.delete(this.noted.keys().next().value as string);
  }

  private onOccupancy(event: OccupancyEvent): void {
    if (event.occupancy !== undefined)
      this.note(event.channel, { provider: event.provider, reported: event.occupancy, timestamp: event.timestamp });
    this.broadcast('occupancy', { provider: event.provider, channel: event.channel, occupancy: event.occupancy });
  }

  private onDrift(event: DriftEvent): void {
    this.note(event.channel, { provider: event.provider, reported: event.reported, timestamp: event.timestamp });
    this.broadcast('drift', { provider: event.provider, channel: event.channel, reported: event.reported, stored: event.stored });
  }
}
