import { describe, expect, it } from 'vitest';
import { WebhookError } from '../errors.js';
import { readRefusal } from './response.js';

describe('readRefusal', () => {
  it('closes the connection after a read cut short, and says when to retry a 503', () => {
    const headers = (error: WebhookError) => readRefusal(error).headers;
    expect(headers(new WebhookError(503, 'server_busy', 'x'))).toMatchObject({ connection: 'close', 'retry-after': '1' });
    expect(headers(new WebhookError(408, 'request_timeout', 'x'))).toMatchObject({ connection: 'close' });
    expect(headers(new WebhookError(413, 'payload_too_large', 'x'))).toMatchObject({ connection: 'close' });
    expect(headers(new WebhookError(400, 'invalid_body', 'x')).connection).toBeUndefined();
  });
});
