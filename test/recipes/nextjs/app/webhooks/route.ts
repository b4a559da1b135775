import { handler } from '../../lib/presence.js';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Answered once the delivery is committed to Redis: nothing is left to run after the answer. */
export async function POST(request: Request): Promise<Response> {
  return handler(request);
}
