import assert from 'node:assert/strict';
import type { Member, Receiver, ReceiverOptions } from '@presence-webhooks/core';
import { createReceiver } from '@presence-webhooks/core';
import type { HttpAnswer, HttpSend } from './http-client.js';
import { sendHttp } from './http-client.js';
import type { AdapterFactory, AdapterServer, AdapterSetup } from './types.js';

/** A started server plus what its receiver reported. */
export interface Harness {
  server: AdapterServer;
  options: ReceiverOptions;
  /** `join:channel:clientId`-style lines, one per emitted presence event. */
  events: string[];
  /** `channel.active:channel`-style lines. */
  channelEvents: string[];
  errors: Error[];
}

/** Start a server, record its events and errors, run `body`, and always close it. */
export async function withServer(
  factory: AdapterFactory,
  options: ReceiverOptions,
  setup: AdapterSetup,
  body: (h: Harness) => Promise<void>,
): Promise<void> {
  const server = await factory(options, setup);
  const h: Harness = { server, options, events: [], channelEvents: [], errors: [] };
  for (const name of ['join', 'update', 'leave'] as const) {
    server.receiver.on(name, (e) => void h.events.push(`${name}:${e.channel}:${e.member.clientId}`));
  }
  for (const name of ['channel.active', 'channel.inactive'] as const) {
    server.receiver.on(name, (e) => void h.channelEvents.push(`${name}:${e.channel}`));
  }
  server.receiver.onError((error) => void h.errors.push(error));
  try {
    await body(h);
  } finally {
    await server.receiver.idle();
    await server.close();
  }
}

/** Everything a store shows: every channel, its members, occupancy and provider-reported occupancy. */
export async function snapshot(receiver: Receiver): Promise<Record<string, { members: Member[]; occupancy: number; reported: unknown }>> {
  const out: Record<string, { members: Member[]; occupancy: number; reported: unknown }> = {};
  const { store } = receiver;
  for (const channel of await store.channels()) {
    out[channel] = {
      members: await store.members(channel),
      occupancy: await store.occupancy(channel),
      reported: await store.reportedOccupancy(channel),
    };
  }
  return out;
}

export interface RequestCase extends HttpSend {
  /** A path under the webhook URL (e.g. `/channels/room-1/members`, the read endpoint). */
  path?: string;
  /** Appended to the server URL and `path` (e.g. `?secret=...`). */
  query?: string;
  /** The full body core would see, when `declaredLength` sends none. */
  oracleBody?: Uint8Array;
  /** Core is told a body parser consumed the stream (the 500 case). */
  oracleBodyConsumed?: boolean;
}

/** What core itself answers for the same request: the answer every adapter must give. */
export async function oracleAnswer(
  h: Harness,
  request: RequestCase,
): Promise<{ status: number; headers: Record<string, string>; body: unknown }> {
  const receiver = createReceiver(h.options);
  const method = request.method ?? 'POST';
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers ?? {})) headers[name.toLowerCase()] = value;
  const body = request.oracleBodyConsumed === true ? null : (request.oracleBody ?? request.body ?? new Uint8Array(0));
  // Core sees the URL relative to where the adapter is mounted.
  const url = `${request.path ?? '/'}${request.query ?? ''}`;
  const consumed = request.oracleBodyConsumed === true;
  const hint = consumed && h.server.bodyConsumedHint !== undefined ? { bodyConsumedHint: h.server.bodyConsumedHint } : {};
  const answer = await receiver.handle({ method, headers, url, body, bodyConsumed: consumed, ...hint });
  return { status: answer.status, headers: answer.headers, body: JSON.parse(answer.body) as unknown };
}

export function send(h: Harness, request: RequestCase): Promise<HttpAnswer> {
  return sendHttp(h.server.url + (request.path ?? '') + (request.query ?? ''), request);
}

/** The JSON answer of a request, checked to be JSON. */
export function jsonOf(answer: HttpAnswer): unknown {
  assert.match(String(answer.headers['content-type']), /^application\/json/, `content-type of a ${answer.status} answer`);
  return JSON.parse(answer.text) as unknown;
}

export interface Rejection {
  status: number;
  code: string;
}

/**
 * Send a request that must be refused: the exact status, error code and (405) Allow header, the
 * same JSON body core answers, and nothing changed in the store, no event, no onError report.
 */
export async function expectRejected(h: Harness, request: RequestCase, expected: Rejection): Promise<void> {
  const before = await snapshot(h.server.receiver);
  const events = h.events.length + h.channelEvents.length;
  const errors = h.errors.length;
  const answer = await send(h, request);
  assert.equal(answer.status, expected.status, `status (answer body: ${answer.text.slice(0, 300)})`);
  if (expected.status === 405) assert.equal(answer.headers.allow, 'POST', 'Allow header of a 405');
  if (request.method !== 'HEAD') {
    const body = jsonOf(answer) as { error?: { code?: unknown } };
    assert.equal(body.error?.code, expected.code, 'JSON error code');
    const oracle = await oracleAnswer(h, request);
    assert.equal(oracle.status, expected.status, 'core itself answers this status');
    assert.deepEqual(body, oracle.body, 'the adapter answers what core answers');
  }
  await h.server.receiver.idle();
  assert.deepEqual(await snapshot(h.server.receiver), before, 'the store is unchanged after a rejected request');
  assert.deepEqual([...h.events, ...h.channelEvents].slice(events), [], 'no event after a rejected request');
  assert.deepEqual(h.errors.slice(errors), [], 'no onError report for a rejected request');
}

/** Send a request that must be accepted (200 with core's JSON acknowledgement) and wait until it is applied. */
export async function expectAccepted(h: Harness, request: RequestCase): Promise<{ events: number; rejected: number }> {
  const answer = await send(h, request);
  assert.equal(answer.status, 200, `status (answer body: ${answer.text.slice(0, 300)})`);
  const body = jsonOf(answer) as { ok?: unknown; events?: unknown; rejected?: unknown };
  assert.equal(body.ok, true);
  await h.server.receiver.idle();
  return { events: Number(body.events), rejected: Number(body.rejected) };
}
