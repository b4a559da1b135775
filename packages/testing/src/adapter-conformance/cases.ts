import type { ReceiverOptions } from '@presence-webhooks/core';
import type { Harness } from './fixture.js';
import type { AdapterSetup, ParserFirstOutcome } from './types.js';

/** One conformance case: the receiver options and setup it needs, and what it checks. */
export interface ConformanceCase {
  name: string;
  options?: Partial<ReceiverOptions>;
  setup?: Partial<AdapterSetup>;
  run(h: Harness): Promise<void>;
}

/** What a case list may depend on. */
export interface CaseContext {
  parserFirst: ParserFirstOutcome;
}
