import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { BENCH_KEY, presenceBodies } from './fixtures.mjs';
const users = process.argv[2] === 'on';
const maxChanges = Number(process.argv[3] ?? 10000);
const bodies = presenceBodies({ count: 2000, format: 'json', clients: 5000 });
for (let r = 0; r < 8; r++) {
  const receiver = createReceiver({ ably: { keys: [BENCH_KEY] }, store: new MemoryStore({ maxChanges }), ...(users ? {} : { users: false }) });
  for (const name of ['join', 'update', 'leave', ...(users ? ['user.join', 'user.leave', 'user.online', 'user.offline'] : [])]) receiver.on(name, () => {});
  const cpu0 = process.cpuUsage();
  for (const request of bodies) {
    await receiver.handle({ method: 'POST', headers: request.headers, body: request.body, url: '/webhooks' });
    await receiver.idle();
  }
  const cpu = process.cpuUsage(cpu0);
  console.error(`users ${users} maxChanges ${maxChanges} us/delivery ${((cpu.user + cpu.system) / 2000).toFixed(1)}`);
  await receiver.close();
}
