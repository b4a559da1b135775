import type { Handler } from '../emitter.js';
import type { JoinEvent, PresenceEventName, UserJoinEvent, UserLeaveEvent, UserOfflineEvent, UserOnlineEvent } from '../events.js';
import type { WebhookResponse } from '../http/response.js';
import { EventStream } from './event-stream.js';
import { guarded, refusal } from './guarded.js';

export const STREAM_LIMIT = 16;

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

/**
 * The open pages' live streams (Server-Sent Events), at most STREAM_LIMIT. Member and user changes
 * are subscribed to only while a page is open (no cost otherwise); other notices are broadcast by the inspector.
 */
export class LiveStreams {
  private readonly streams = new Set<EventStream>();
  private liveOff: (() => void)[] = [];

  constructor(
    private readonly on: <K extends PresenceEventName>(name: K, handler: Handler<K>) => () => void,
    private readonly withUsers: boolean,
  ) {}

  get size(): number {
    return this.streams.size;
  }

  /** A new stream's answer, or 503 when STREAM_LIMIT pages are open. */
  open(): WebhookResponse {
    if (this.streams.size >= STREAM_LIMIT) return refusal(503, 'server_busy', `At most ${STREAM_LIMIT} inspector pages at once`);
    const stream = new EventStream((closed) => this.drop(closed));
    this.streams.add(stream);
    if (this.streams.size === 1) this.watchChanges();
    return guarded({
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no' },
      body: '',
      stream,
    });
  }

  broadcast(type: string, data: unknown): void {
    for (const stream of this.streams) stream.send(type, data);
  }

  /** End every open stream. */
  close(): void {
    for (const stream of [...this.streams]) stream.close();
  }

  /** Join / update / leave (and with user levels, the user events) reach the streams only while a page is open. */
  private watchChanges(): void {
    const send = (type: string) => (event: JoinEvent) =>
      this.broadcast(type, { provider: event.provider, channel: event.channel, member: memberOf(event) });
    // User-level events: ids, channel and provider times only (never member data).
    const person = (type: string) => (event: UserOnlineEvent | UserOfflineEvent | UserJoinEvent | UserLeaveEvent) =>
      this.broadcast(type, { ...event });
    this.liveOff = [
      this.on('join', send('join')),
      this.on('update', send('update')),
      this.on('leave', send('leave')),
      ...(this.withUsers
        ? [
            this.on('user.online', person('user.online')),
            this.on('user.offline', person('user.offline')),
            this.on('user.join', person('user.join')),
            this.on('user.leave', person('user.leave')),
          ]
        : []),
    ];
  }

  private drop(stream: EventStream): void {
    this.streams.delete(stream);
    if (this.streams.size > 0) return;
    for (const off of this.liveOff) off();
    this.liveOff = [];
  }
}
