import type { ProviderName } from '../events.js';
import { ably } from './ably/definition.js';
import type { ItemBounds } from './bounds.js';
import { DEFAULT_MAX_CHANNEL_NAME_LENGTH, DEFAULT_MAX_CLOCK_SKEW_MS, withinBounds } from './bounds.js';
import type { Provider, ProviderDefinition, ResolvedProvider } from './provider.js';
import { pubnub } from './pubnub/definition.js';
import { pusher } from './pusher/definition.js';

/**
 * Every provider, in detection order: the one list of them. Adding a provider is its folder
 * (`providers/<name>/definition.ts` declares a ProviderDefinition) and one line here.
 */
export const PROVIDERS = [ably, pubnub, pusher] as const satisfies readonly ProviderDefinition[];

type Registered = (typeof PROVIDERS)[number];
type OptionsOf<N extends ProviderName> = Extract<Registered, { name: N }> extends ProviderDefinition<N, infer O> ? O : never;
/** ProviderName (member.ts, a leaf) when it names exactly the registered providers; `never` otherwise (the type check fails below). */
type Exactly<A, B> = [A] extends [B] ? ([B] extends [A] ? A : never) : never;

/** The providers' names, in detection order. */
export const PROVIDER_NAMES: readonly Exactly<ProviderName, Registered['name']>[] = PROVIDERS.map((provider) => provider.name);

/** `createReceiver`'s option of each provider: `ReceiverOptions['ably']` is AblyOptions. */
export type ProviderOptions = { [N in ProviderName]?: OptionsOf<N> };

/** Each configured provider's options, as its definition checked them. */
export type ResolvedProviders = { [N in ProviderName]?: ResolvedProvider<OptionsOf<N>> };

const BY_NAME: ReadonlyMap<string, ProviderDefinition> = new Map(PROVIDERS.map((provider) => [provider.name, provider]));

/** The registered provider of that name. */
export function providerDefinition(name: ProviderName): ProviderDefinition {
  return BY_NAME.get(name) as ProviderDefinition;
}

/** Whether a value (an error's detail, a CLI argument) names a registered provider. */
export function isProviderName(value: unknown): value is ProviderName {
  return typeof value === 'string' && BY_NAME.has(value);
}

/** Check each provider's option of createReceiver (`options.ably`, …); throws unless at least one is configured. */
export function resolveProviders(options: Readonly<Record<string, unknown>>, warnings: string[]): ResolvedProviders {
  const resolved: Record<string, ResolvedProvider<unknown>> = {};
  for (const provider of PROVIDERS as readonly ProviderDefinition[]) {
    const one = provider.resolve(options[provider.name], warnings);
    if (one !== undefined) resolved[provider.name] = one;
  }
  if (Object.keys(resolved).length === 0) {
    const examples = PROVIDERS.map((provider) => provider.example);
    throw new TypeError(
      `presence-webhooks: configure at least one provider: ${examples.slice(0, -1).join(', ')} or ${examples.at(-1)} (got none)`,
    );
  }
  return resolved as ResolvedProviders;
}

export interface ConfiguredProviders extends ResolvedProviders {
  /** A provider time more than this ahead of `now()` is an item problem. Default DEFAULT_MAX_CLOCK_SKEW_MS. */
  maxClockSkewMs?: number;
  /** Longer channel names are an item problem. Default DEFAULT_MAX_CHANNEL_NAME_LENGTH. */
  maxChannelNameLength?: number;
}

/** A provider whose normalised events are checked against the bounds (providers/bounds.ts). */
function bounded(provider: Provider, bounds: ItemBounds): Provider {
  return { ...provider, normalise: (body, request) => withinBounds(provider.normalise(body, request), bounds) };
}

/** The providers a receiver is configured for, in detection order. `now` is the receiver's clock. */
export function buildProviders(configured: ConfiguredProviders, now: () => number): Provider[] {
  const bounds: ItemBounds = {
    now,
    maxClockSkewMs: configured.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS,
    maxChannelNameLength: configured.maxChannelNameLength ?? DEFAULT_MAX_CHANNEL_NAME_LENGTH,
  };
  return (PROVIDERS as readonly ProviderDefinition[]).flatMap((provider) => {
    const resolved = configured[provider.name];
    return resolved === undefined ? [] : [bounded(provider.create(resolved, now), bounds)];
  });
}
