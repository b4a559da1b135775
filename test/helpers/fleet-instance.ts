import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import type { BuiltRequest } from '@presence-webhooks/testing/builders';
import { createInterface } from 'node:readline';

/** Start a fleet instance (a script of test/fixtures/fleet) in a process of its own; resolves once it prints {"url": ...}. */
export function startInstance(script: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { url?: string };
      if (message.url !== undefined) resolve({ child, url: message.url });
    });
    child.once('exit', (code, signal) => reject(new Error(`the instance exited before listening (${code ?? signal})`)));
  });
}

/**
 * POST a signed request to an instance that kills itself while handling it; answers the signal it died of.
 * On receipt the instance answers 200 before the store call returns: it may die before the answer is out.
 */
export async function postToDoomed(instance: { child: ChildProcess; url: string }, request: BuiltRequest): Promise<NodeJS.Signals | null> {
  const exited = once(instance.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  await fetch(instance.url, { method: 'POST', headers: request.headers, body: request.body }).then(
    (res) => res.arrayBuffer(),
    () => undefined,
  );
  const [, signal] = await exited;
  return signal;
}
