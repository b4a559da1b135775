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
import type { Handler } from '../emitter.js';
import { toError, WebhookError } from '../errors.js';
import type { DriftEvent, JoinEvent, Member, OccupancyEvent, PresenceEventName, ProviderName } from '../events.js';
import type { RequestHeaders } from '../http/headers.js';
import type { WebhookResponse } from '../http/response.js';
import { errorResponse, jsonResponse } from '../http/response.js';
import type { ResyncNotice } from '../observe/resync-observer.js';
import type { ReceiverStats } from '../observe/stats.js';
import type { ResyncResult } from '../resync/resyncer.js';
import type { PresenceStore } from '../store.js';
import { guarded, refusal } from './guarded.js';
import { LiveStreams } from './live.js';
import { pageResponse } from './page.js';
import { sameOrigin, SignIn } from './sign-in.js';
import type { ChannelActivity, ReportedFigure } from './state.js';
import { buildState } from './state.js';
import { stateQuery } from './state-query.js';
import { Timeline } from './timeline.js';

/** `inspector: { token, actions? }` on createReceiver (checked in options/resolve.ts). */
export interface InspectorOptions {
  /** What an operator types to sign in (compared in constant time). At least 16 characters. */
  token: string;
  /** Show a "resync this channel" button (POST <mount>/inspector/resync). Default false: read-only. */
  actions?: boolean;
}

/** A receiver happening that is not a typed event: for the live stream. */
export type InspectorNotice = { type: 'rejection'; status: number; code: string; message: string } | ResyncNotice;

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

const NOTED_LIMIT = 10_000;
/** Members and users online (the chart) are read from the store at most this often, over at most ONLINE_CHANNELS channels. */
const ONLINE_EVERY_MS = 5000;
const ONLINE_CHANNELS = 2000;

/** The query of a mount-relative URL. */
function queryOf(url: string): URLSearchParams {
  const q = url.search(/[?#]/);
  return new URLSearchParams(q < 0 ? '' : url.slice(q + 1).split('#')[0]);
}

/** With the inspector off, its routes answer 404 and say how to turn it on (never a webhook delivery). */
export function inspectorOff(): WebhookResponse {
  return refusal(404, 'not_found', 'The inspector is off: createReceiver({ inspector: { token } }) turns it on');
}

/**
 * Routes the inspector's requests (sign-in.ts, live.ts, page.ts, state.ts, the resync action) and keeps what
 * the page shows while none is open: each channel's reported figure and last change, the chart (timeline.ts).
 */
export class Inspector {
  private readonly signIn: SignIn;
  private readonly live: LiveStreams;
  private readonly noted = new Map<string, ReportedFigure>();
  private readonly activity = new Map<string, ChannelActivity>();
  private readonly timeline = new Timeline();
  private onlineReadAt = 0;
  private readonly actions: boolean;

  constructor(
    private readonly context: InspectorContext,
    options: InspectorOptions,
  ) {
    this.actions = options.actions === true;
    this.signIn = new SignIn(options.token);
    this.live = new LiveStreams((name, handler) => context.on(name, handler), context.userOf !== undefined);
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

  /** The answer to a request of an inspector route (`routeOf`: '' for the page, 'state', 'events', ...). */
  answer(route: string, request: InspectorRequest): Promise<WebhookResponse> | WebhookResponse {
    const query = queryOf(request.url ?? '/');
    const method = request.method.toUpperCase();
    if (route === '')
      return method === 'GET' || method === 'HEAD' ? pageResponse() : refusal(405, 'method_not_allowed', `${method} is not allowed here`);
    if (route === 'session')
      return method === 'POST'
        ? this.signIn.signIn(request.headers, request.remoteAddress)
        : refusal(405, 'method_not_allowed', 'Sign in with POST');
    if (route === 'signout')
      return method === 'POST' ? this.signIn.signOut(request.headers) : refusal(405, 'method_not_allowed', 'Sign out with POST');
    if (!this.signIn.signedIn(request.headers))
      return refusal(401, 'unauthorized', 'Sign in to the inspector first (POST <mount>/inspector/session with the token)');
    if (route === 'state' && method === 'GET') return this.state(query);
    if (route === 'events' && method === 'GET') return this.live.open();
    if (route === 'resync' && method === 'POST') return this.resync(request.headers, query.get('channel'));
    return refusal(404, 'not_found', 'No such inspector route');
  }

  /** Send a notice (rejection, resync) to the open pages. */
  notify(notice: InspectorNotice): void {
    if (notice.type === 'rejection') this.timeline.rejected();
    // A complete resync made the store the provider's snapshot: a figure reported before it no longer stands.
    if (notice.type === 'resync' && notice.outcome === 'complete') this.noted.delete(notice.channel);
    if (this.live.size === 0) return;
    const { type, ...data } = notice;
    this.live.broadcast(type, data);
  }

  /** End every open stream. */
  close(): void {
    this.live.close();
  }

  private async state(params: URLSearchParams): Promise<WebhookResponse> {
    const query = stateQuery(params);
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

  private async resync(headers: RequestHeaders, channel: string | null): Promise<WebhookResponse> {
    if (!this.actions) return refusal(403, 'unauthorized', 'The inspector is read-only: enable inspector.actions to resync from it');
    if (!sameOrigin(headers))
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
    this.live.broadcast('occupancy', { provider: event.provider, channel: event.channel, occupancy: event.occupancy });
  }

  private onDrift(event: DriftEvent): void {
    this.note(event.channel, { provider: event.provider, reported: event.reported, timestamp: event.timestamp });
    this.live.broadcast('drift', { provider: event.provider, channel: event.channel, reported: event.reported, stored: event.stored });
  }
}
