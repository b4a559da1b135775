/**
 * The inspector's sign-in sessions: random ids (256 bits) handed out as an HttpOnly cookie, kept
 * only as SHA-256 digests, found by digest and then compared in constant time, each expiring after
 * `ttlMs`; at most `limit` at once (signing in beyond evicts the oldest).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'pw_inspector';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const SESSION_LIMIT = 64;

function digest(id: string): Buffer {
  return createHash('sha256').update(id).digest();
}

export class SessionBook {
  /** digest (base64) -> { digest, expiry }, oldest first. */
  private readonly sessions = new Map<string, { digest: Buffer; expires: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly ttlMs = SESSION_TTL_MS,
    private readonly limit = SESSION_LIMIT,
  ) {}

  /** A new session id. */
  open(): string {
    const id = randomBytes(32).toString('base64url');
    const hashed = digest(id);
    this.sessions.set(hashed.toString('base64'), { digest: hashed, expires: this.now() + this.ttlMs });
    while (this.sessions.size > this.limit) this.sessions.delete(this.sessions.keys().next().value as string);
    return id;
  }

  /** Whether an id is a live session (an expired one is forgotten). */
  valid(id: string | undefined): boolean {
    if (id === undefined || !/^[A-Za-z0-9_-]{43}$/.test(id)) return false;
    const hashed = digest(id);
    const key = hashed.toString('base64');
    const session = this.sessions.get(key);
    if (session === undefined || !timingSafeEqual(session.digest, hashed)) return false;
    if (session.expires <= this.now()) {
      this.sessions.delete(key);
      return false;
    }
    return true;
  }

  close(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(digest(id).toString('base64'));
  }

  get size(): number {
    return this.sessions.size;
  }

  get ttlSeconds(): number {
    return Math.floor(this.ttlMs / 1000);
  }
}

/** The session id a `Cookie` header carries. */
export function sessionFromCookie(cookie: string | undefined): string | undefined {
  if (cookie === undefined) return undefined;
  for (const part of cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}
