import { describe, expect, it } from 'vitest';
import { Circuit } from './circuit.js';
import { RedisUnavailableError } from './errors.js';

const down = () => Promise.reject(new Error('connect ECONNREFUSED'));
const up = () => Promise.resolve('ok');
const answered = () => Promise.reject(new TypeError('Redis answered: bad input'));

describe('Circuit', () => {
  it('opens after the given consecutive failures, fails at once while open, and lets one probe through after the cooldown', async () => {
    let now = 0;
    let calls = 0;
    const circuit = new Circuit(
      3,
      100,
      (e) => !(e instanceof TypeError),
      () => now,
    );
    const counted = () => (calls++, down());
    for (let i = 0; i < 3; i++) await expect(circuit.run(counted)).rejects.toThrow('ECONNREFUSED');
    expect(circuit.state).toBe('open');
    await expect(circuit.run(counted)).rejects.toThrow(RedisUnavailableError);
    await expect(circuit.run(counted)).rejects.toThrow(/circuit open after 3 consecutive failures; the next probe in 100 ms/);
    expect(calls).toBe(3);
    now = 100;
    expect(circuit.state).toBe('half-open');
    // The probe fails: open for another cooldown.
    await expect(circuit.run(counted)).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(4);
    await expect(circuit.run(counted)).rejects.toThrow(RedisUnavailableError);
    now = 200;
    // While a probe is in flight the others fail at once; its success closes the circuit.
    let finish: (v: string) => void = () => undefined;
    const probe = circuit.run(() => new Promise<string>((resolve) => (finish = resolve)));
    await expect(circuit.run(up)).rejects.toThrow(/a probe is in flight/);
    finish('ok');
    expect(await probe).toBe('ok');
    expect(circuit.state).toBe('closed');
    expect(await circuit.run(up)).toBe('ok');
  });

  it('does not count errors that are not unavailability, and a success resets the count', async () => {
    const circuit = new Circuit(
      2,
      100,
      (e) => !(e instanceof TypeError),
      () => 0,
    );
    await expect(circuit.run(down)).rejects.toThrow();
    await expect(circuit.run(answered)).rejects.toThrow(TypeError);
    await expect(circuit.run(down)).rejects.toThrow('ECONNREFUSED');
    expect(circuit.state).toBe('closed');
    await expect(circuit.run(down)).rejects.toThrow('ECONNREFUSED');
    expect(circuit.state).toBe('open');
  });
});
