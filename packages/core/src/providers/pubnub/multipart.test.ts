import { describe, expect, it } from 'vitest';
import { parseMultipart } from './multipart.js';

const B = 'XyZ-boundary-42';
function body(parts: readonly string[][], boundary = B): Uint8Array {
  const lines: string[] = [];
  for (const [headers, value] of parts) lines.push(`--${boundary}`, headers ?? '', '', value ?? '');
  lines.push(`--${boundary}--`, '');
  return new TextEncoder().encode(lines.join('\r\n'));
}
const field = (name: string, value: string) => [`Content-Disposition: form-data; name="${name}"`, value];
const active = [field('sub_key', 'sub-c-1'), field('channel', 'lobby'), field('status', 'active'), field('timestamp', '1440568311')];

describe('parseMultipart (@fastify/busboy)', () => {
  it('parses PubNub active / inactive fields', async () => {
    expect({ ...(await parseMultipart(body(active), B)) }).toEqual({
      sub_key: 'sub-c-1',
      channel: 'lobby',
      status: 'active',
      timestamp: '1440568311',
    });
  });

  it('the first value of a repeated field wins; __proto__ is only data on a prototype-less object', async () => {
    const fields = await parseMultipart(body([...active, field('status', 'inactive'), field('__proto__', 'x')]), B);
    expect(fields.status).toBe('active');
    expect(Object.getPrototypeOf(fields)).toBeNull();
    expect(fields['__proto__']).toBe('x');
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('rejects a wrong boundary, a body cut short, garbage, an empty body', async () => {
    await expect(parseMultipart(body(active), 'another-boundary')).rejects.toThrow();
    await expect(parseMultipart(body(active).subarray(0, 70), B)).rejects.toThrow();
    await expect(parseMultipart(new TextEncoder().encode('hello'), B)).rejects.toThrow();
    await expect(parseMultipart(new Uint8Array(0), B)).rejects.toThrow();
  });

  it('rejects an oversized field, too many parts, a file part, an over-long field name', async () => {
    await expect(parseMultipart(body([field('channel', 'x'.repeat(4097))]), B)).rejects.toThrow(/larger than 4096/);
    await expect(parseMultipart(body(Array.from({ length: 17 }, (_, i) => field(`f${i}`, 'v'))), B)).rejects.toThrow(/more than 16/);
    await expect(
      parseMultipart(body([['Content-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain', 'x']]), B),
    ).rejects.toThrow(/file/);
    await expect(parseMultipart(body([field('n'.repeat(65), 'v')]), B)).rejects.toThrow(/name/);
  });

  it('honours configured limits', async () => {
    await expect(parseMultipart(body(active), B, { parts: 3 })).rejects.toThrow(/more than 3/);
    await expect(parseMultipart(body(active), B, { fieldSize: 8 })).rejects.toThrow(/larger than 8/);
    expect((await parseMultipart(body([field('channel', 'x'.repeat(5000))]), B, { fieldSize: 8192 })).channel).toHaveLength(5000);
  });
});
