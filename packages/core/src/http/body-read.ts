import { bodyTimedOut, bodyTooLarge, serverBusy, WebhookError } from '../errors.js';

/**
 * Bytes buffered across every request being read for one receiver: the HMAC covers the whole body,
 * so some buffering before authentication is unavoidable; this bounds it in total. Adapters reserve
 * a request's bytes as they arrive and release them once the body is handed to the receiver.
 */
export class InFlightBytes {
  private held = 0;

  constructor(readonly max: number) {}

  /** Bytes held now. */
  get current(): number {
    return this.held;
  }

  /** Take `bytes` more; false (nothing taken) when that would pass the cap. */
  reserve(bytes: number): boolean {
    if (this.held + bytes > this.max) return false;
    this.held += bytes;
    return true;
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }
}

/** What a body read obeys: `receiver.limits`. */
export interface BodyReadLimits {
  readonly bodyLimit: number;
  readonly bodyTimeoutMs: number;
  /** The shared count of bytes being read, for `maxInFlightBytes`. */
  readonly inFlight: InFlightBytes;
}

/** The limits adapters read a body within (`receiver.limits`; the receiver checks the size again). */
export interface ReceiverLimits extends BodyReadLimits {
  readonly maxInFlightBytes: number;
}

/**
 * A request body as an adapter hands it to the receiver: its bytes, or a function that reads them
 * within `receiver.limits` and throws a WebhookError when a limit refuses the read (the receiver
 * calls it, and answers the refusal like any other).
 */
export type RequestBody = Uint8Array | (() => Promise<Uint8Array>);

/** The body ended short of its Content-Length, or went past it. */
function lengthMismatch(): WebhookError {
  return new WebhookError(400, 'invalid_body', 'The body could not be read: request size did not match content length');
}

/**
 * The one read policy of a request body, whatever the runtime (the node layer and the web handler
 * drive it over their streams, so every runtime answers the same):
 * - a malformed Content-Length is a 400; a declared length over `bodyLimit` is a 413 before a byte is read;
 * - memory: the declared length is reserved in `inFlight` up front (else each chunk as it arrives); past
 *   `maxInFlightBytes` the read is refused (503, answered with Retry-After);
 * - size: a body that grows past `bodyLimit` is cut (413); one that ends short of or goes past its
 *   Content-Length is a 400;
 * - time: the whole body must arrive within `bodyTimeoutMs` (408), from `deadline()`.
 * Every refusal releases what the read holds; so does `end()`.
 */
export class BodyRead {
  private reserved: number;
  private received = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Ended or refused: it holds nothing and starts no clock. */
  private released = false;

  private constructor(
    readonly declared: number | undefined,
    private readonly limits: BodyReadLimits,
  ) {
    this.reserved = declared ?? 0;
  }

  /** Start a read from the request's Content-Length header (400, 413 or 503 before a byte is read). */
  static begin(contentLength: string | undefined, limits: BodyReadLimits): BodyRead {
    // Node's parser refuses a malformed Content-Length before a handler runs; other runtimes and streams may not.
    if (contentLength !== undefined && !/^\s*\d+\s*$/.test(contentLength))
      throw new WebhookError(400, 'invalid_body', 'The Content-Length header is not a number');
    const declared = contentLength === undefined ? undefined : Number(contentLength);
    if (declared !== undefined && declared > limits.bodyLimit) throw bodyTooLarge(limits.bodyLimit);
    if (declared !== undefined && !limits.inFlight.reserve(declared)) throw serverBusy(limits.inFlight.max);
    return new BodyRead(declared, limits);
  }

  /** Bytes received so far. */
  get length(): number {
    return this.received;
  }

  /** Count a chunk of `bytes` that arrived; throws (and releases) 413, 400 or 503 when it breaks a limit. */
  take(bytes: number): void {
    this.received += bytes;
    const { limits, declared } = this;
    if (this.received > limits.bodyLimit) this.refuse(bodyTooLarge(limits.bodyLimit));
    if (declared !== undefined) {
      if (this.received > declared) this.refuse(lengthMismatch());
      return;
    }
    if (!limits.inFlight.reserve(bytes)) this.refuse(serverBusy(limits.inFlight.max));
    this.reserved += bytes;
  }

  /** The body ended: throws (and releases) a 400 when it is shorter than its Content-Length; releases. */
  end(): void {
    if (this.declared !== undefined && this.received !== this.declared) this.refuse(lengthMismatch());
    this.release();
  }

  /** Call `expire` with the 408 (and release) once `bodyTimeoutMs` has passed without `end()` or `release()`. */
  deadline(expire: (error: WebhookError) => void): void {
    if (this.timer !== undefined || this.released) return; // one clock per read, none after it ended
    const ms = this.limits.bodyTimeoutMs;
    this.timer = setTimeout(() => {
      this.release();
      expire(bodyTimedOut(ms));
    }, ms);
  }

  /** Give back what the read holds and stop its clock (safe to call more than once). */
  release(): void {
    this.released = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.limits.inFlight.release(this.reserved);
    this.reserved = 0;
  }

  private refuse(error: WebhookError): never {
    this.release();
    throw error;
  }
}

/** A receiver's limits from its resolved options, with its own count of bytes in flight. */
export function receiverLimits(options: { bodyLimit: number; bodyTimeoutMs: number; maxInFlightBytes: number }): ReceiverLimits {
  const { bodyLimit, bodyTimeoutMs, maxInFlightBytes } = options;
  return { bodyLimit, bodyTimeoutMs, maxInFlightBytes, inFlight: new InFlightBytes(maxInFlightBytes) };
}
