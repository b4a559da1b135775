import { optionError, positiveInteger } from '../option-checks.js';
import type { Lease, LeaseCapability, LeaseStatus } from '../store.js';

interface LeaseState {
  /** The last token granted (fencing: strictly increasing per name). */
  seq: number;
  holder?: { token: number; expiresAt: number; ttlMs: number };
  doneAt?: number;
  doneToken?: number;
}

/** A lease name: a non-empty string. */
export function checkLeaseName(name: unknown): string {
  if (typeof name !== 'string' || name === '') throw optionError('lease name', 'a non-empty string', name);
  return name;
}

/**
 * MemoryStore's lease: one holder per name among the users of one store, in process. A free lease
 * is granted at once; a held one expires `ttlMs` after its last grant or renewal (the store's clock).
 */
export class MemoryLease implements LeaseCapability {
  private readonly byName = new Map<string, LeaseState>();

  constructor(private readonly now: () => number) {}

  acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    try {
      checkLeaseName(name);
      positiveInteger(ttlMs, 'lease ttlMs', 1);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    let state = this.byName.get(name);
    if (state === undefined) this.byName.set(name, (state = { seq: 0 }));
    const now = this.now();
    if (state.holder !== undefined && state.holder.expiresAt > now) return Promise.resolve(undefined);
    const token = ++state.seq;
    state.holder = { token, expiresAt: now + ttlMs, ttlMs };
    const held = state;
    const mine = () => held.holder?.token === token && held.holder.expiresAt > this.now();
    return Promise.resolve({
      token,
      renew: () => {
        if (!mine()) return Promise.resolve(false);
        const holder = held.holder as NonNullable<LeaseState['holder']>;
        holder.expiresAt = this.now() + holder.ttlMs;
        return Promise.resolve(true);
      },
      release: (done: boolean) => {
        if (mine()) {
          delete held.holder;
          if (done) {
            held.doneAt = this.now();
            held.doneToken = token;
          }
        }
        return Promise.resolve();
      },
    });
  }

  status(name: string): Promise<LeaseStatus> {
    const state = this.byName.get(name);
    const status: LeaseStatus = { held: state?.holder !== undefined && state.holder.expiresAt > this.now() };
    if (state?.doneAt !== undefined) {
      status.doneAt = state.doneAt;
      status.doneToken = state.doneToken as number;
    }
    return Promise.resolve(status);
  }
}
