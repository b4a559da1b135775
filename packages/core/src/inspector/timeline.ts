/**
 * The inspector's chart data: the last `TIMELINE_SECONDS` seconds, one bucket per second, of
 * effective joins and leaves, refused requests, and members online. Members online is a running
 * total: set from the store now and then (`setOnline`), moved by each join and leave in between,
 * and drawn back in time from the joins and leaves of each second; unknown (null) until first set.
 * Fixed memory (one ring of buckets), O(1) per event.
 */
export const TIMELINE_SECONDS = 900;

interface Bucket {
  second: number;
  joins: number;
  leaves: number;
  rejections: number;
}

/** Per-second series, oldest first; the last element is the current second (`end`, in epoch seconds). */
export interface TimelineSnapshot {
  end: number;
  joins: number[];
  leaves: number[];
  rejections: number[];
  online: (number | null)[];
}

export class Timeline {
  private readonly ring: Bucket[] = [];
  private online: number | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  joined(): void {
    this.current().joins++;
    if (this.online !== null) this.online++;
  }

  left(): void {
    this.current().leaves++;
    if (this.online !== null) this.online = Math.max(0, this.online - 1);
  }

  rejected(): void {
    this.current().rejections++;
  }

  /** The total read from the store: the running figure starts again from it. */
  setOnline(total: number): void {
    this.online = total;
  }

  snapshot(): TimelineSnapshot {
    const end = Math.floor(this.now() / 1000);
    const out: TimelineSnapshot = { end, joins: [], leaves: [], rejections: [], online: [] };
    for (let second = end - TIMELINE_SECONDS + 1; second <= end; second++) {
      const bucket = this.ring[second % TIMELINE_SECONDS];
      const live = bucket !== undefined && bucket.second === second;
      out.joins.push(live ? bucket.joins : 0);
      out.leaves.push(live ? bucket.leaves : 0);
      out.rejections.push(live ? bucket.rejections : 0);
    }
    // Back from the running total: the second before held what this one holds, less its net change.
    let online = this.online;
    const back: (number | null)[] = [];
    for (let i = TIMELINE_SECONDS - 1; i >= 0; i--) {
      back.push(online);
      if (online !== null) online = Math.max(0, online - ((out.joins[i] as number) - (out.leaves[i] as number)));
    }
    out.online = back.reverse();
    return out;
  }

  private current(): Bucket {
    const second = Math.floor(this.now() / 1000);
    const slot = second % TIMELINE_SECONDS;
    let bucket = this.ring[slot];
    if (bucket === undefined || bucket.second !== second) {
      bucket = { second, joins: 0, leaves: 0, rejections: 0 };
      this.ring[slot] = bucket;
    }
    return bucket;
  }
}
