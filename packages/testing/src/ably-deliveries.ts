import type { AblyItem } from './ably-builders.js';
import { ablyPresenceItem } from './ably-builders.js';
import type { HistoryEntry } from './ably-history.js';
import type { Random } from './random.js';
import { shuffle } from './random.js';

export interface DeliveryPlan {
  /** Most items per request. Default 5. */
  maxItems?: number;
  /** Most presence messages per item. Default 4. */
  maxPerItem?: number;
  /** Share of requests sent twice (a retry whose first answer was lost). Default 0.2. */
  duplicateRate?: number;
  /** Shuffle messages across the whole stream (true) or keep them in order (false). Default true. */
  reorder?: boolean;
}

/**
 * Cut a history into Ably batches the way the network delivers them: reordered (single requests
 * and regions carry no order), batched into items of one channel each, and some batches
 * delivered twice.
 */
export function ablyDeliveries(entries: readonly HistoryEntry[], random: Random, plan: DeliveryPlan = {}): AblyItem[][] {
  const maxItems = plan.maxItems ?? 5;
  const maxPerItem = plan.maxPerItem ?? 4;
  const duplicateRate = plan.duplicateRate ?? 0.2;
  const queue = plan.reorder === false ? entries.slice() : shuffle(random, entries);
  const batches: AblyItem[][] = [];
  while (queue.length > 0) {
    const items: AblyItem[] = [];
    const itemCount = 1 + Math.floor(random() * maxItems);
    while (items.length < itemCount && queue.length > 0) {
      const first = queue.shift() as HistoryEntry;
      const group = [first.message];
      const want = Math.floor(random() * maxPerItem);
      for (let i = 0; i < queue.length && group.length <= want;) {
        if ((queue[i] as HistoryEntry).channel === first.channel) group.push((queue.splice(i, 1)[0] as HistoryEntry).message);
        else i++;
      }
      items.push(ablyPresenceItem(first.channel, group));
    }
    batches.push(items);
    if (random() < duplicateRate) batches.push(items);
  }
  return plan.reorder === false ? batches : shuffle(random, batches);
}
