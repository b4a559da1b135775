import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  /** The response body as text. */
  text: string;
}

export interface HttpSend {
  method?: string;
  headers?: Record<string, string>;
  body?: Uint8Array;
  /** Send the body with chunked transfer encoding (no Content-Length), in 16 KiB chunks. */
  chunked?: boolean;
  /**
   * Declare this Content-Length and send no body: for bodies over the limit, which the server
   * must refuse from the header alone.
   */
  declaredLength?: number;
  /**
   * Do not end the request before the answer arrives (the server answers 413 before the end;
   * ending afterwards, or never, keeps the client from racing the server's close).
   */
  answerBeforeEnd?: boolean;
}

const CHUNK = 16 * 1024;

/** One HTTP request over a fresh connection, answered or rejected; never hangs past the server's answer. */
export function sendHttp(url: string, options: HttpSend = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...options.headers };
    if (options.declaredLength !== undefined) headers['content-length'] = String(options.declaredLength);
    else if (options.chunked === true) headers['transfer-encoding'] = 'chunked';
    else if (options.body !== undefined) headers['content-length'] = String(options.body.byteLength);
    let answered = false;
    const req = httpRequest(url, { method: options.method ?? 'POST', headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
        if (!req.writableEnded) req.destroy();
      });
    });
    // After the answer, a server that closes the connection may reset a request still being written.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    const body = options.declaredLength === undefined ? options.body : undefined;
    if (body !== undefined) {
      if (options.chunked === true) for (let at = 0; at < body.byteLength; at += CHUNK) req.write(body.subarray(at, at + CHUNK));
      else req.write(body);
    }
    if (options.answerBeforeEnd === true || options.declaredLength !== undefined) req.flushHeaders();
    else req.end();
  });
}
