import { parseArgs } from 'node:util';
import type { SimulateOptions } from '../simulator/types.js';
import { parseDuration } from './duration.js';
import { closest } from './suggest.js';

/** A command line that cannot run; exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const SIMULATE_USAGE = `Usage: presence-webhooks simulate --url <webhook URL> --provider ably|pubnub|pusher [options]

Plays a realistic presence history against your webhook endpoint the way Ably or PubNub deliver
it (batches, retries with the provider's schedule, duplicates, reordering), then reports what
happened and, when the receiver has its read endpoint on, whether its set equals the truth.

Target
  --url <url>              the webhook URL, e.g. http://127.0.0.1:3000/webhooks (required)
  --provider ably|pubnub|pusher  which provider to play (required)
  --key <appId.keyId:secret>  Ably: the key the receiver trusts (default: $ABLY_KEY)
  --key <app key>          Pusher: the app key (default: $PUSHER_KEY)
  --secret <secret>        PubNub: the shared secret (default: $PUBNUB_WEBHOOK_SECRET)
                           Pusher: the app secret that signs (default: $PUSHER_SECRET)
  --secret-header <name>   PubNub: the header carrying it (default x-webhook-secret)
  --secret-in header|query PubNub: send it in the header (default) or as ?secret=
  --read-token <token>     Bearer token of the read endpoint (default: $PRESENCE_READ_TOKEN)

History
  --channels <n>           channels (default 10), named <prefix>-1 .. <prefix>-n
  --channel-prefix <p>     default sim-<random>, so that runs do not collide
  --members <n>            distinct members (default 100)
  --events <n>             presence events (default 4 per member)
  --duration <time>        provider time the history spans, trailing leaves included, e.g. 30s, 2m
                           (default 10s): the run's wall time at --time-scale 1, plus the read-back
  --seed <n>               replay a history (default random, printed in the report)

Delivery
  --time-scale <x>         play provider time x times faster (default 1: real time)
  --concurrency <n>        most requests in flight (default 16)
  --format json|msgpack    Ably wire format (default json)
  --sites <n>              Ably sites batching independently (default 3)
  --batch-size <n>         Ably: most messages per request (default 1000)
  --duplicates <rate>      share of 2xx answers treated as lost, so resent (default 0.05)
  --timeout <time>         answer timeout, real time (default: PubNub 5s, Ably 15s)

Report
  --report text|json       the final report as text (default) or one JSON document on stdout
  --settle <time>          keep re-reading the receiver's set this long until it matches (default 5s)
  --no-verify              do not read the receiver's set back
  --quiet                  no progress output
  -h, --help               this help

Times take ms, s, m or h (a bare number is seconds). Exit code: 0 when the receiver's set equals
the truth (or the target has no read endpoint) and nothing was dropped; 1 on a mismatch, dropped
events, an unfinished run or a read-back cut short by --settle or Ctrl-C; 2 on a usage error, or
when the read endpoint refuses the token or nothing answers at --url (checked before the load).`;

export const USAGE = `Usage: presence-webhooks <command> [options]

Commands
  simulate    play realistic, signed Ably or PubNub presence webhooks against your endpoint

Run 'presence-webhooks simulate --help' for its options.`;

export const OPTIONS = {
  url: { type: 'string' },
  provider: { type: 'string' },
  key: { type: 'string' },
  secret: { type: 'string' },
  'secret-header': { type: 'string' },
  'secret-in': { type: 'string' },
  'read-token': { type: 'string' },
  channels: { type: 'string' },
  'channel-prefix': { type: 'string' },
  members: { type: 'string' },
  events: { type: 'string' },
  duration: { type: 'string' },
  seed: { type: 'string' },
  'time-scale': { type: 'string' },
  concurrency: { type: 'string' },
  format: { type: 'string' },
  sites: { type: 'string' },
  'batch-size': { type: 'string' },
  duplicates: { type: 'string' },
  timeout: { type: 'string' },
  report: { type: 'string' },
  settle: { type: 'string' },
  'no-verify': { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export interface SimulateCommand {
  help: boolean;
  report: 'text' | 'json';
  quiet: boolean;
  options: SimulateOptions;
}

function count(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`--${name} must be a whole number (got '${text}')`);
  return Number(text);
}

function decimal(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+(\.\d+)?$/.test(text)) throw new UsageError(`--${name} must be a number (got '${text}')`);
  return Number(text);
}

function duration(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`--${name} must be a time such as 30s, 500ms or 2m (got '${text}')`);
  return ms;
}

function oneOf<T extends string>(name: string, text: string | undefined, allowed: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${name} must be ${allowed.join(' or ')} (got '${text}')`);
  return text as T;
}

function parse(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
    const guess = unknown === undefined ? undefined : closest(unknown, Object.keys(OPTIONS));
    throw new UsageError(guess === undefined ? message : `${message}: did you mean --${guess}?`);
  }
}

/** The `simulate` command line as options for `simulate()`. Throws UsageError with a clear message. */
export function parseSimulateArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SimulateCommand {
  const values = parse(argv);
  const report = oneOf('report', values.report, ['text', 'json'] as const) ?? 'text';
  if (values.help === true) return { help: true, report, quiet: true, options: { provider: 'ably' } };
  if (values.url === undefined) throw new UsageError('--url is required: the webhook URL to load, e.g. --url http://127.0.0.1:3000/webhooks');
  const provider = oneOf('provider', values.provider, ['ably', 'pubnub', 'pusher'] as const);
  if (provider === undefined) throw new UsageError('--provider is required: ably, pubnub or pusher');
  const fromEnv = (name: string) => (env[name] === '' ? undefined : env[name]); // an empty variable is unset
  const key = values.key ?? fromEnv(provider === 'pusher' ? 'PUSHER_KEY' : 'ABLY_KEY');
  const secret = values.secret ?? fromEnv(provider === 'pusher' ? 'PUSHER_SECRET' : 'PUBNUB_WEBHOOK_SECRET');
  if (provider === 'ably' && key === undefined) throw new UsageError('--key is required for Ably (or set ABLY_KEY): the API key your receiver trusts, appId.keyId:keySecret');
  if (provider === 'pusher' && (key === undefined || secret === undefined)) throw new UsageError('--key and --secret are required for Pusher (or set PUSHER_KEY and PUSHER_SECRET): the app key and secret your receiver trusts');
  if (provider === 'pubnub' && secret === undefined) throw new UsageError('--secret is required for PubNub (or set PUBNUB_WEBHOOK_SECRET): the shared secret your receiver checks');
  const options: SimulateOptions = { url: values.url, provider };
  const set = <K extends keyof SimulateOptions>(name: K, value: SimulateOptions[K] | undefined) => {
    if (value !== undefined) options[name] = value;
  };
  set('key', key);
  set('secret', secret);
  set('secretHeader', values['secret-header']);
  set('secretIn', oneOf('secret-in', values['secret-in'], ['header', 'query'] as const));
  set('readToken', values['read-token'] ?? fromEnv('PRESENCE_READ_TOKEN'));
  set('channels', count('channels', values.channels));
  set('channelPrefix', values['channel-prefix']);
  set('members', count('members', values.members));
  set('events', count('events', values.events));
  set('durationMs', duration('duration', values.duration));
  set('seed', count('seed', values.seed));
  set('timeScale', decimal('time-scale', values['time-scale']));
  set('concurrency', count('concurrency', values.concurrency));
  set('format', oneOf('format', values.format, ['json', 'msgpack'] as const));
  set('sites', count('sites', values.sites));
  set('batchSize', count('batch-size', values['batch-size']));
  set('duplicateRate', decimal('duplicates', values.duplicates));
  set('requestTimeoutMs', duration('timeout', values.timeout));
  set('settleMs', duration('settle', values.settle));
  if (values['no-verify'] === true) options.verify = false;
  return { help: false, report, quiet: values.quiet === true, options };
}
