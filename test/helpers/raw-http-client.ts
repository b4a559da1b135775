/**
 * A raw `node:net` HTTP/1.1 client for slow and hostile clients: it writes exactly the bytes it is
 * given, when it is told to (a trickle, a stall), and reports the answer and who closed the connection.
 */
import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  status: number;
  /** Lower-case header names. */
  headers: Record<string, string>;
  body: string;
}

export class RawConnection {
  private readonly socket: Socket;
  private received = Buffer.alloc(0);
  private destroyedByUs = false;
  private trickling: NodeJS.Timeout | undefined;
  /** The first answer on the connection, or undefined when it closed without one. */
  readonly answer: Promise<RawAnswer | undefined>;
  /** Resolves once the connection is closed: true when the server closed it (FIN or reset), false when we did. */
  readonly closedByServer: Promise<boolean>;
  /** Resolves once connected. */
  readonly connected: Promise<void>;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.socket = connect({ host: hostname, port: Number(port) });
    this.socket.on('error', () => undefined); // a reset is one way the server closes; `closedByServer` tells
    this.connected = new Promise((resolve) => this.socket.once('connect', () => resolve()));
    let answered: (answer: RawAnswer | undefined) => void = () => undefined;
    this.answer = new Promise((resolve) => (answered = resolve));
    this.socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      const answer = parseAnswer(this.received);
      if (answer !== undefined) answered(answer);
    });
    this.closedByServer = new Promise((resolve) => {
      this.socket.once('close', () => {
        this.stopTrickle();
        answered(parseAnswer(this.received, true));
        resolve(!this.destroyedByUs);
      });
    });
    // The server's FIN: stop sending, and close our side too.
    this.socket.once('end', () => {
      this.stopTrickle();
      this.socket.end();
    });
  }

  write(data: string | Uint8Array): void {
    if (!this.socket.destroyed && this.socket.writable) this.socket.write(data);
  }

  /** Write `data` one byte every `everyMs`, until it is all sent or the connection closes. */
  trickle(data: string | Uint8Array, everyMs: number): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.from(data);
    let next = 0;
    this.trickling = setInterval(() => {
      if (next >= bytes.byteLength) return this.stopTrickle();
      this.write(bytes.subarray(next, next + 1));
      next += 1;
    }, everyMs);
  }

  /** Stop sending (a FIN) and wait for the answer, as a client whose body ended early does. */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  /** Go away mid-request, as a client that gives up does. */
  destroy(): void {
    this.destroyedByUs = true;
    this.stopTrickle();
    this.socket.destroy();
  }

  private stopTrickle(): void {
    if (this.trickling !== undefined) clearInterval(this.trickling);
    this.trickling = undefined;
  }
}

/** The head of a request (request line and headers), ready to be followed by a body. */
export function requestHead(path: string, headers: Record<string, string>, method = 'POST'): string {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1', ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`)];
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function parseAnswer(received: Buffer, closed = false): RawAnswer | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const body = received.subarray(end + 4);
  const length = headers['content-length'];
  if (length !== undefined && body.byteLength < Number(length) && !closed) return undefined;
  if (length === undefined && !closed) return undefined;
  return {
    status: Number(statusLine.split(' ')[1]),
    headers,
    body: body.subarray(0, length === undefined ? body.byteLength : Number(length)).toString('utf8'),
  };
}
