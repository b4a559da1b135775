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
