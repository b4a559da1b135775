import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { InFlightBytes } from '../http/body-read.js';
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

  describe('a Node request whose body came with its headers', () => {
    /** Send raw bytes to a real server; each request's body is read with readBody and echoed. */
    async function serve(
      raw: string,
      answers: number,
      l: ReturnType<typeof limits>,
    ): Promise<{ bodies: string[]; timers: number; inFlight: number[]; closed: boolean[] }> {
      const bodies: string[] = [];
      const closed: boolean[] = [];
      const inFlight: number[] = [];
      const timer = vi.spyOn(globalThis, 'setTimeout');
      const server = createServer((req: IncomingMessage, res) => {
        req.on('close', () => closed.push(req.readableEnded));
        readBody(req, req.headers, l).then(
          (bytes) => {
            inFlight.push(l.inFlight.current);
            bodies.push(Buffer.from(bytes).toString());
            bytes.fill(0x21); // the caller's bytes are its own copy
            res.end('ok');
          },
          (error: WebhookError) => {
            res.statusCode = error.status;
            res.end();
          },
        );
      });
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      try {
        const socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
        let seen = '';
        socket.on('data', (data: Buffer) => (seen += data.toString()));
        socket.write(raw);
        await vi.waitFor(() => expect(seen.split('HTTP/1.1 200').length - 1).toBe(answers));
        // Each request ended and closed while the connection stays open, as after a read to its end.
        await vi.waitFor(() => expect(closed).toHaveLength(answers));
        socket.destroy();
        return { bodies, timers: timer.mock.calls.filter(([, ms]) => ms === l.bodyTimeoutMs).length, inFlight, closed };
      } finally {
        timer.mockRestore();
        server.close();
      }
    }
    const post = (body: string) => `POST / HTTP/1.1\r\nhost: x\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

    it('is taken in one read: its exact bytes, a copy, released from flight, no body timer', async () => {
      const l = limits();
      const { bodies, timers, inFlight, closed } = await serve(post('{"items":[1,2,3]}'), 1, l);
      expect(bodies).toEqual(['{"items":[1,2,3]}']);
      expect(closed).toEqual([true]);
      expect(inFlight).toEqual([0]);
      expect(timers).toBe(0);
    });

    it('pipelined requests in one packet: each body ends at its Content-Length', async () => {
      const l = limits();
      const { bodies, closed } = await serve(post('hello') + post('world!') + post('{}'), 3, l);
      expect(bodies).toEqual(['hello', 'world!', '{}']);
      expect(closed).toEqual([true, true, true]);
      expect(l.inFlight.current).toBe(0);
    });
  });
});
