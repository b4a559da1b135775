/**
 * One Server-Sent Events stream: messages queue up (bounded: a client that falls `maxBytes`
 * behind is dropped) and are yielded to the adapter, which writes them; a comment line every
 * `heartbeatMs` keeps proxies from closing an idle connection.
 */
import type { ResponseStream } from '../http/response.js';

export const STREAM_MAX_BYTES = 1024 * 1024;
export const HEARTBEAT_MS = 15_000;

export class EventStream implements ResponseStream {
  private readonly queue: string[] = [];
  private bytes = 0;
  private wake: (() => void) | undefined;
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly onClose: (stream: EventStream) => void,
    private readonly maxBytes = STREAM_MAX_BYTES,
    heartbeatMs = HEARTBEAT_MS,
  ) {
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), heartbeatMs);
    this.heartbeat.unref();
    this.write('retry: 2000\n\n');
  }

  /** Queue one event (`event:` name, JSON `data:` on one line). */
  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    this.queue.length = 0;
    this.wake?.();
    this.onClose(this);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<string> {
    try {
      for (;;) {
        const chunk = this.queue.shift();
        if (chunk !== undefined) {
          this.bytes -= chunk.length;
          yield chunk;
          continue;
        }
        if (this.closed) return;
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      this.close();
    }
  }

  private write(chunk: string): void {
    if (this.closed) return;
    if (this.bytes + chunk.length > this.maxBytes) return this.close();
    this.queue.push(chunk);
    this.bytes += chunk.length;
    this.wake?.();
  }
}
