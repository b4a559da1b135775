/**
 * The inspector's chart data: the last `TIMELINE_SECONDS` seconds, one bucket per second, of
 * effective joins and leaves, refused requests, members online and users online. Each online figure is
 * a running total: set from the store now and then (`setOnline`, `setUsersOnline`), moved by each join
 * and leave (`user.online` and `user.offline`) in between, and drawn back in time from those of each
 * second; unknown (null) until first set.
 * Fixed memory (one ring of buckets), O(1) per event.
 */
export const TIMELINE_SECONDS = 900;

interface Bucket {
  second: number;
  joins: number;
  leaves: number;
  rejections: number;
  /** user.online and user.offline events. */
  ups: number;
  downs: number;
}

/** Per-second series, oldest first; the last element is the current second (`end`, in epoch seconds). */
export interface TimelineSnapshot {
  end: number;
  joins: number[];
  leaves: number[];
  rejections: number[];
  online: (number | null)[];
  /** Users online (user levels on), else all null. */
  usersOnline: (number | null)[];
}

/** A running total drawn back in time: the second before held what this one holds, less its net change. */
function drawnBack(now: number | null, ups: readonly number[], downs: readonly number[]): (number | null)[] {
  let online = now;
  const back: (number | null)[] = [];
  for (let i = ups.length - 1; i >= 0; i--) {
    back.push(online);
    if (online !== null) online = Math.max(0, online - ((ups[i] as number) - (downs[i] as number)));
  }
  return back.reverse();
}

export class Timeline {
  private readonly ring: Bucket[] = [];
  private online: number | null = null;
  private usersOnline: number | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  joined(): void {
    this.current().joins++;
    if (this.online !== null) this.online++;
  }

  left(): void {
    this.current().leaves++;
    if (this.online !== null) this.online = Math.max(0, this.online - 1);
  }

  userOnline(): void {
    this.current().ups++;
    if (this.usersOnline !== null) this.usersOnline++;
  }

  userOffline(): void {
    this.current().downs++;
    if (this.usersOnline !== null) this.usersOnline = Math.max(0, this.usersOnline - 1);
  }

  /** The users online read from the store: the running figure starts again from it. */
  setUsersOnline(total: number): void {
    this.usersOnline = total;
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
    const out: TimelineSnapshot = { end, joins: [], leaves: [], rejections: [], online: [], usersOnline: [] };
    const ups: number[] = [];
    const downs: number[] = [];
    for (let second = end - TIMELINE_SECONDS + 1; second <= end; second++) {
      const bucket = this.ring[second % TIMELINE_SECONDS];
      const live = bucket !== undefined && bucket.second === second;
      out.joins.push(live ? bucket.joins : 0);
      out.leaves.push(live ? bucket.leaves : 0);
      out.rejections.push(live ? bucket.rejections : 0);
      ups.push(live ? bucket.ups : 0);
      downs.push(live ? bucket.downs : 0);
    }
    out.online = drawnBack(this.online, out.joins, out.leaves);
    out.usersOnline = drawnBack(this.usersOnline, ups, downs);
    return out;
  }

  private current(): Bucket {
    const second = Math.floor(this.now() / 1000);
    const slot = second % TIMELINE_SECONDS;
    let bucket = this.ring[slot];
    if (bucket === undefined || bucket.second !== second) {
      bucket = { second, joins: 0, leaves: 0, rejections: 0, ups: 0, downs: 0 };
      this.ring[slot] = bucket;
    }
    return bucket;
  }
}
