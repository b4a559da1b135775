import { presence } from '../../../lib/presence';

export const runtime = 'nodejs'; // core verifies signatures with node:crypto
export const dynamic = 'force-dynamic';

/** Deliveries: POST /webhooks. Answered once the delivery is committed to Redis. */
export async function POST(request: Request): Promise<Response> {
  return presence()(request);
}

/** Reads (with READ_TOKEN set): GET /webhooks/channels/:channel/members, what the simulator compares. */
export async function GET(request: Request): Promise<Response> {
  return presence()(request);
}
