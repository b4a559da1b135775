import { WebhookError } from '../errors.js';
import type { Provider, RequestView } from '../providers/provider.js';
import { looksLike } from './sniff.js';

/** Who may have sent a request, before its body is parsed. */
export interface Authenticated {
  /** The providers whose credential the request carries and verifies, or the insecure ones when it carries none. */
  providers: readonly Provider[];
  /** True when the body's shape must pick among `providers` (the credential fits several providers, or there is none). */
  byShape: boolean;
  /** Providers whose credential the request carried but that refused it, with their 401. */
  refused: readonly { provider: Provider; error: unknown }[];
}

const NONE: readonly { provider: Provider; error: unknown }[] = Object.freeze([]);
/** The answer when a provider alone verified the credential, per provider (frozen: shared by every such request). */
const verifiedAlone = new WeakMap<Provider, Authenticated>();

/**
 * Steps 2 and 3: each provider's `verify` reads its credential from headers and query alone and
 * checks it over the raw bytes. A request that carries no credential of any configured secure provider is
 * refused here, before its body is parsed, unless an insecure provider may take it by shape.
 */
export function authenticate(providers: readonly Provider[], request: RequestView): Authenticated {
  let first: Provider | undefined;
  let verified: Provider[] | undefined;
  let refused: { provider: Provider; error: unknown }[] | undefined;
  for (const provider of providers) {
    try {
      if (!provider.verify(request)) continue;
      if (first === undefined) first = provider;
      else (verified ??= [first]).push(provider);
    } catch (error) {
      (refused ??= []).push({ provider, error });
    }
  }
  // The common case, one provider's credential verified: one answer per provider, made once (no allocation).
  if (first !== undefined && verified === undefined && refused === undefined) {
    let answer = verifiedAlone.get(first);
    if (answer === undefined)
      verifiedAlone.set(first, (answer = Object.freeze({ providers: Object.freeze([first]), byShape: false, refused: NONE })));
    return answer;
  }
  if (first !== undefined) verified ??= [first];
  // A credential that fits one provider alone decides; one that several providers share (the same secret header) leaves it to the shape.
  if (verified !== undefined) return { providers: verified, byShape: verified.length + (refused?.length ?? 0) > 1, refused: refused ?? [] };
  if (refused !== undefined) throw refused[0]?.error;
  const insecure = providers.filter((p) => p.acceptsUnauthenticated);
  if (insecure.length > 0) return { providers: insecure, byShape: true, refused: [] };
  throw missingCredential(providers, request);
}

/**
 * The 401 for a request without any credential, in the configured providers' words; when the request
 * looks like a provider the receiver is not configured for, it says so first.
 */
export function missingCredential(providers: readonly Provider[], request: RequestView): WebhookError {
  const secure = providers.filter((p) => !p.acceptsUnauthenticated);
  const words = secure.map((p) => p.missingCredential(request));
  const text = words.length === 1 ? (words[0] as string) : `No credential of a configured provider: ${words.join('; ')}`;
  const like = looksLike(request.headers, request.body, request.contentType.kind === 'multipart');
  if (like !== undefined && !providers.some((p) => p.name === like.name)) {
    return new WebhookError(
      401,
      'unauthorized',
      `This looks like a ${like.displayName} webhook, but the receiver is not set up for ${like.displayName}: ${like.configure}. (${text})`,
      { provider: like.name },
    );
  }
  return new WebhookError(401, 'unauthorized', text, secure.length === 1 ? { provider: secure[0]?.name } : undefined);
}
