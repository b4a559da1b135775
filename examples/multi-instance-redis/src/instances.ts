import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** A line a receiver process printed (see receiver.ts). */
export interface ReceiverLine {
  instance: string;
  event?: 'join' | 'update' | 'leave';
  channel?: string;
  clientId?: string;
  connectionId?: string;
  timestamp?: number;
  data?: unknown;
  reason?: string;
  listening?: number;
  idle?: string;
}

export interface ReceiverProcess {
  instance: string;
  /** The webhook URL. */
  url: string;
  /** Every line printed so far. */
  lines: ReceiverLine[];
  /** What it wrote to stderr. */
  errors: string[];
  /** Resolves once every delivery it accepted is applied and its events are in `lines`. */
  idle(): Promise<void>;
  /** SIGTERM, and wait for the exit. Resolves to the exit code. */
  stop(): Promise<number | null>;
}

export interface ReceiverConfig {
  instance: string;
  prefix: string;
  redisUrl: string;
  ack?: 'on-receipt' | 'after-store';
  port?: number;
  onLine?: (line: ReceiverLine) => void;
}

// From src/ (run by the tests) or dist/ (run by the demo), the process to start is the built one.
const RECEIVER = fileURLToPath(new URL('../dist/receiver.js', import.meta.url));

/** Start one receiver process and wait until it listens. */
export function startReceiver(config: ReceiverConfig): Promise<ReceiverProcess> {
  const child = spawn(process.execPath, [RECEIVER], {
    env: {
      ...process.env,
      INSTANCE: config.instance,
      PREFIX: config.prefix,
      REDIS_URL: config.redisUrl,
      ACK: config.ack ?? 'on-receipt',
      PORT: String(config.port ?? 0),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: ReceiverLine[] = [];
  const errors: string[] = [];
  const waiters = new Map<string, () => void>();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stderr }).on('line', (line) => errors.push(line));

  return new Promise((resolve, reject) => {
    child.once('error', reject);
    void exited.then((code) => reject(new Error(`receiver ${config.instance} exited (${code}) before listening: ${errors.join(' | ')}`)));
    createInterface({ input: child.stdout }).on('line', (text) => {
      const line = JSON.parse(text) as ReceiverLine;
      lines.push(line);
      config.onLine?.(line);
      if (line.idle !== undefined) waiters.get(line.idle)?.();
      if (line.listening === undefined) return;
      const base = `http://127.0.0.1:${line.listening}`;
      resolve({
        instance: config.instance,
        url: `${base}/webhooks`,
        lines,
        errors,
        idle: async () => {
          const marker = randomUUID();
          const printed = new Promise<void>((done) => waiters.set(marker, done));
          const response = await fetch(`${base}/idle?marker=${marker}`);
          if (!response.ok) throw new Error(`receiver ${config.instance}: /idle answered ${response.status}`);
          await printed;
          waiters.delete(marker);
        },
        stop: () => {
          child.kill('SIGTERM');
          return exited;
        },
      });
    });
  });
}
