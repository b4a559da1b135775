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

Plays a realistic presence history against your webhook endpoint the way Ably, PubNub or Pusher deliver
it (batches, retries with the provider's schedule, duplicates, reordering), then reports what
happened and, when the receiver has its read endpoint on, whether its set equals the truth.

Target
  --url <url>              the webhook URL, e.g. http://127.0.0.1:3000/webhooks (required); repeat it for a
                           fleet: each delivery goes to the next URL in turn, the sets are read from the first
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
when the read endpoint refuses the token, nothing is mounted at --url's path (404) or nothing
answers at --url (checked before the load).`;

export const USAGE = `Usage: presence-webhooks <command> [options]

Commands
  simulate    play realistic, signed Ably, PubNub or Pusher presence webhooks against your endpoint
  reconcile   rebuild every channel's set from the providers' REST APIs (after a restart or an outage)
  migrate     create or upgrade PostgresStore's tables (@presence-webhooks/postgres)

Run 'presence-webhooks <command> --help' for its options.`;

export const OPTIONS = {
  url: { type: 'string', multiple: true },
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

function parse<O extends typeof OPTIONS | typeof RECONCILE_OPTIONS | typeof MIGRATE_OPTIONS>(argv: readonly string[], options: O) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    const message = (error as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    const unknown = /^Unknown option '--([^'=]+)'/.exec(message)?.[1];
    const guess = unknown === undefined ? undefined : closest(unknown, Object.keys(options));
    throw new UsageError(guess === undefined ? message : `${message}: did you mean --${guess}?`);
  }
}

/** The `simulate` command line as options for `simulate()`. Throws UsageError with a clear message. */
export function parseSimulateArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SimulateCommand {
  const values = parse(argv, OPTIONS);
  const report = oneOf('report', values.report, ['text', 'json'] as const) ?? 'text';
  if (values.help === true) return { help: true, report, quiet: true, options: { provider: 'ably' } };
  if (values.url === undefined || values.url.length === 0)
    throw new UsageError('--url is required: the webhook URL to load, e.g. --url http://127.0.0.1:3000/webhooks');
  const provider = oneOf('provider', values.provider, ['ably', 'pubnub', 'pusher'] as const);
  if (provider === undefined) throw new UsageError('--provider is required: ably, pubnub or pusher');
  const fromEnv = (name: string) => (env[name] === '' ? undefined : env[name]); // an empty variable is unset
  const key = values.key ?? fromEnv(provider === 'pusher' ? 'PUSHER_KEY' : 'ABLY_KEY');
  const secret = values.secret ?? fromEnv(provider === 'pusher' ? 'PUSHER_SECRET' : 'PUBNUB_WEBHOOK_SECRET');
  if (provider === 'ably' && key === undefined)
    throw new UsageError('--key is required for Ably (or set ABLY_KEY): the API key your receiver trusts, appId.keyId:keySecret');
  if (provider === 'pusher' && (key === undefined || secret === undefined))
    throw new UsageError(
      '--key and --secret are required for Pusher (or set PUSHER_KEY and PUSHER_SECRET): the app key and secret your receiver trusts',
    );
  if (provider === 'pubnub' && secret === undefined)
    throw new UsageError('--secret is required for PubNub (or set PUBNUB_WEBHOOK_SECRET): the shared secret your receiver checks');
  const options: SimulateOptions = { url: values.url.length === 1 ? (values.url[0] as string) : values.url, provider };
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

export const RECONCILE_USAGE = `Usage: presence-webhooks reconcile [--provider ably|pubnub|pusher] [--redis <url>] [options]

Rebuilds every channel's presence set from the providers' REST APIs, as a receiver does at start-up
after a restart or an outage: the channels the provider lists as active together with every channel
the store holds; members the provider does not list leave, those it lists join. With a shared
RedisStore only one reconcile runs at a time across the fleet (the store's lease).

Store
  --redis <url>            reconcile this RedisStore (needs @presence-webhooks/redis installed)
  --redis-prefix <p>       its key prefix (default: the store's default)
                           Without --redis the store is an empty in-memory one that is thrown away at
                           exit: a dry look at what the providers list and how many requests it takes.

Providers (credentials from the environment)
  --provider ably|pubnub|pusher  only this provider (default: every provider whose credentials are set)
  --prefix <p>             Ably: list only the channels whose name starts with this
                           Ably:   ABLY_KEY (appId.keyId:keySecret), ABLY_REST_URL (optional)
                           PubNub: PUBNUB_SUBSCRIBE_KEY, PUBNUB_REST_URL (optional)
                           Pusher: PUSHER_APP_ID, PUSHER_KEY, PUSHER_SECRET, PUSHER_REST_URL (optional)

Budget
  --concurrency <n>        most requests in flight per provider (default 2)
  --rate <n>               most requests per second per provider (default 10)

Output
  --json                   the result as one JSON document on stdout
  --quiet                  no progress output
  -h, --help               this help

Exit code: 0 when every channel was reconciled completely; 1 when a channel (or a listing) failed or
a snapshot was incomplete; 2 on a usage or configuration error (a missing credential, a bad flag).`;

export const RECONCILE_OPTIONS = {
  provider: { type: 'string' },
  redis: { type: 'string' },
  'redis-prefix': { type: 'string' },
  prefix: { type: 'string' },
  concurrency: { type: 'string' },
  rate: { type: 'string' },
  json: { type: 'boolean' },
  quiet: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type ReconcileProvider = 'ably' | 'pubnub' | 'pusher';

/** The providers' settings, from the environment. */
export interface ReconcileCredentials {
  ably?: { key: string; restUrl?: string; prefix?: string };
  pubnub?: { subscribeKey: string; restUrl?: string };
  pusher?: { appId: string; key: string; secret: string; restUrl?: string };
}

export interface ReconcileCommand {
  help: boolean;
  json: boolean;
  quiet: boolean;
  credentials: ReconcileCredentials;
  /** Only this provider (else every one configured). */
  provider?: ReconcileProvider;
  redis?: { url: string; prefix?: string };
  concurrency?: number;
  rate?: number;
}

const PROVIDER_ENV: Record<ReconcileProvider, { required: readonly string[]; optional: string }> = {
  ably: { required: ['ABLY_KEY'], optional: 'ABLY_REST_URL' },
  pubnub: { required: ['PUBNUB_SUBSCRIBE_KEY'], optional: 'PUBNUB_REST_URL' },
  pusher: { required: ['PUSHER_APP_ID', 'PUSHER_KEY', 'PUSHER_SECRET'], optional: 'PUSHER_REST_URL' },
};

function restUrl(name: string, text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  if (!/^https?:\/\/[^\s]+$/.test(text)) throw new UsageError(`${name} must be an http(s) URL (got '${text}')`);
  return text;
}

/** The `reconcile` command line and environment. Throws UsageError with a clear message. */
export function parseReconcileArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): ReconcileCommand {
  const values = parse(argv, RECONCILE_OPTIONS);
  const json = values.json === true;
  if (values.help === true) return { help: true, json, quiet: true, credentials: {} };
  const fromEnv = (name: string) => (env[name] === '' ? undefined : env[name]); // an empty variable is unset
  const provider = oneOf('provider', values.provider, ['ably', 'pubnub', 'pusher'] as const);
  const wanted = (Object.keys(PROVIDER_ENV) as ReconcileProvider[]).filter((name) =>
    provider === undefined ? PROVIDER_ENV[name].required.some((v) => fromEnv(v) !== undefined) : name === provider,
  );
  if (wanted.length === 0)
    throw new UsageError(
      'no provider credentials in the environment: set ABLY_KEY, PUBNUB_SUBSCRIBE_KEY, or PUSHER_APP_ID, PUSHER_KEY and PUSHER_SECRET',
    );
  const credentials: ReconcileCredentials = {};
  for (const name of wanted) {
    const missing = PROVIDER_ENV[name].required.filter((v) => fromEnv(v) === undefined);
    if (missing.length > 0)
      throw new UsageError(
        `${name} needs ${missing.join(' and ')} in the environment${name === 'ably' ? ' (the API key, appId.keyId:keySecret, with the presence and channel-metadata capabilities)' : ''}`,
      );
    const url = restUrl(PROVIDER_ENV[name].optional, fromEnv(PROVIDER_ENV[name].optional));
    const at = url === undefined ? {} : { restUrl: url };
    if (name === 'ably') {
      const key = fromEnv('ABLY_KEY') as string;
      if (!/^[^.:\s]+\.[^.:\s]+:\S+$/.test(key)) throw new UsageError('ABLY_KEY must be an Ably API key, appId.keyId:keySecret');
      credentials.ably = { key, ...at, ...(values.prefix === undefined ? {} : { prefix: values.prefix }) };
    } else if (name === 'pubnub') credentials.pubnub = { subscribeKey: fromEnv('PUBNUB_SUBSCRIBE_KEY') as string, ...at };
    else
      credentials.pusher = {
        appId: fromEnv('PUSHER_APP_ID') as string,
        key: fromEnv('PUSHER_KEY') as string,
        secret: fromEnv('PUSHER_SECRET') as string,
        ...at,
      };
  }
  if (values.prefix !== undefined && credentials.ably === undefined)
    throw new UsageError('--prefix is an Ably option: set ABLY_KEY (or --provider ably)');
  const command: ReconcileCommand = { help: false, json, quiet: values.quiet === true, credentials };
  if (provider !== undefined) command.provider = provider;
  if (values.redis !== undefined) {
    if (!/^rediss?:\/\/\S+$/.test(values.redis)) throw new UsageError('--redis must be a redis:// or rediss:// URL'); // the value may hold a password: not shown
    command.redis = { url: values.redis, ...(values['redis-prefix'] === undefined ? {} : { prefix: values['redis-prefix'] }) };
  } else if (values['redis-prefix'] !== undefined) throw new UsageError('--redis-prefix needs --redis');
  const concurrency = count('concurrency', values.concurrency);
  const rate = decimal('rate', values.rate);
  if (concurrency === 0) throw new UsageError('--concurrency must be at least 1 (got 0)');
  if (rate === 0) throw new UsageError('--rate must be above 0 (got 0)');
  if (concurrency !== undefined) command.concurrency = concurrency;
  if (rate !== undefined) command.rate = rate;
  return command;
}

const MIGRATE_OPTIONS = {
  url: { type: 'string' },
  schema: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

export interface MigrateCommand {
  help: boolean;
  json: boolean;
  url: string;
  schema?: string;
}

/** The `migrate` command line and environment. Throws UsageError with a clear message. */
export function parseMigrateArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): MigrateCommand {
  const values = parse(argv, MIGRATE_OPTIONS);
  const json = values.json === true;
  if (values.help === true) return { help: true, json, url: '' };
  const url = values.url ?? (env.DATABASE_URL === '' ? undefined : env.DATABASE_URL);
  if (url === undefined) throw new UsageError('--url is required (or set DATABASE_URL): e.g. --url postgres://app@127.0.0.1:5432/app');
  // The URL may hold a password: never shown.
  if (!/^postgres(ql)?:\/\/\S+$/.test(url)) throw new UsageError('--url must be a postgres:// or postgresql:// URL');
  return { help: false, json, url, ...(values.schema === undefined ? {} : { schema: values.schema }) };
}
