import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InFlightBytes } from '../http/in-flight.js';
import { WebhookError } from '../errors.js';
import { readBody } from './read-body.js';

const limits = (max = 1024, bodyTimeoutMs = 10_000) => ({ bodyLimit: 100, bodyTimeoutMs, inFlight: new InFlightBytes(max) });

async function refusal(promise: Promise<unknown>): Promise<{ status: number; code: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebhookError);
  return { status: (error as WebhookError).status, code: (error as WebhookError).code };
}

describe('readBody', () => {
  it('reads the bytes, and holds them in flight only while reading', async () => {
    const stream = new PassThrough();
    const l = limits();
    const read = readBody(stream, { 'content-length': '5' }, l);
    expect(l.inFlight.current).toBe(5);
    stream.end(Buffer.from('hello'));
    expect(Buffer.from(await read).toString()).toBe('hello');
    expect(l.inFlight.current).toBe(0);
  });

  it('without Content-Length, reserves chunk by chunk; past the cap: 503 server_busy, released', async () => {
    const stream = new PassThrough();
    const l = limits(8);
    const read = readBody(stream, {}, l);
    stream.write('12345');
    stream.write('6789');
    expect(await refusal(read)).toEqual({ status: 503, code: 'server_busy' });
    expect(l.inFlight.current).toBe(0);
  });

  it('a declared length past the cap is refused before a byte is read, and takes nothing', async () => {
    const l = limits(10);
    expect(l.inFlight.reserve(6)).toBe(true);
    expect(await refusal(readBody(new PassThrough(), { 'content-length': '5' }, l))).toEqual({ status: 503, code: 'server_busy' });
    expect(l.inFlight.current).toBe(6);
  });

  it('413 for a declared or a received size over the limit', async () => {
    const l = limits();
    expect(await refusal(readBody(new PassThrough(), { 'content-length': '101' }, l))).toEqual({ status: 413, code: 'payload_too_large' });
    const stream = new PassThrough();
    const read = readBody(stream, {}, l);
    stream.write(Buffer.alloc(60));
    stream.write(Buffer.alloc(60));
    expect(await refusal(read)).toEqual({ status: 413, code: 'payload_too_large' });
    expect(l.inFlight.current).toBe(0);
  });

  it('408 request_timeout when the body has not ended in time, released', async () => {
    const stream = new PassThrough();
    const l = limits(1024, 50);
    const read = readBody(stream, { 'content-length': '10' }, l);
    stream.write('12');
    expect(await refusal(read)).toEqual({ status: 408, code: 'request_timeout' });
    expect(l.inFlight.current).toBe(0);
  });

  it('400 when the stream closes or fails before its end, released', async () => {
    const l = limits();
    const closed = new PassThrough();
    const read = readBody(closed, { 'content-length': '10' }, l);
    closed.write('12');
    closed.destroy();
    expect(await refusal(read)).toEqual({ status: 400, code: 'invalid_body' });
    const failed = new PassThrough();
    const failing = readBody(failed, {}, l);
    failed.write('12');
    failed.destroy(new Error('boom'));
    expect(await refusal(failing)).toEqual({ status: 400, code: 'invalid_body' });
    expect(l.inFlight.current).toBe(0);
  });

  it('500 body_consumed for a stream that already ended', async () => {
    const stream = new PassThrough();
    stream.end();
    stream.resume();
    await new Promise((resolve) => stream.once('end', resolve));
    expect(await refusal(readBody(stream, {}, limits()))).toEqual({ status: 500, code: 'body_consumed' });
  });
});
