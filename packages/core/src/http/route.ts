/** What a read request asks for: a channel's members or users, or one user. */
export interface ReadTarget {
  kind: 'members' | 'users' | 'user';
  name: string;
}

/**
 * Where a request goes: the inspector (its page, '', or one of its routes: 'state', 'events', ...), the read
 * endpoint (a GET of one of its paths), or the webhook pipeline (which answers 405 for anything but a POST).
 */
export type Route = { to: 'inspector'; route: string } | { to: 'read'; target: ReadTarget } | { to: 'webhook' };

/** The read endpoint's paths, relative to where the adapter is mounted; the query string is ignored. */
const READ_PATHS = [
  { kind: 'members', pattern: /^\/channels\/([^/]+)\/members\/?$/ },
  { kind: 'users', pattern: /^\/channels\/([^/]+)\/users\/?$/ },
  { kind: 'user', pattern: /^\/users\/([^/]+)\/?$/ },
] as const;

/** The inspector's page (`/inspector`) and its routes (`/inspector/<name>`). */
const INSPECTOR_PATH = /^\/inspector(?:\/([a-z]*))?\/?$/;

const WEBHOOK: Route = Object.freeze({ to: 'webhook' });

function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  return end < 0 ? url : url.slice(0, end);
}

/** The read target of a path, decoded; undefined when it is not a read path (or its percent-encoding is broken). */
export function readTarget(url: string | undefined): ReadTarget | undefined {
  if (url === undefined) return undefined;
  const path = pathOf(url);
  for (const { kind, pattern } of READ_PATHS) {
    const match = pattern.exec(path);
    if (match === null) continue;
    try {
      return { kind, name: decodeURIComponent(match[1] as string) };
    } catch {
      return undefined; // malformed percent-encoding: not a read path
    }
  }
  return undefined;
}

/**
 * The one route matcher, from the method and the URL relative to the mount: the receiver answers by
 * it, and adapters hand the receiver what it routes (`answersAt`). Undefined for a request that is
 * none of the receiver's (a POST to another path under the mount: the framework's 404); the
 * receiver, when handed one all the same, answers it as a webhook.
 */
export function routeOf(method: string | undefined, relativeUrl: string): Route | undefined {
  if (relativeUrl === '/') return WEBHOOK; // a webhook delivery, most requests
  const path = pathOf(relativeUrl);
  if (path === '/') return WEBHOOK;
  const inspector = INSPECTOR_PATH.exec(path);
  if (inspector !== null) return { to: 'inspector', route: inspector[1] ?? '' };
  const verb = method?.toUpperCase();
  if (verb === 'GET') {
    const target = readTarget(path);
    if (target !== undefined) return { to: 'read', target };
  }
  if (verb === 'GET' || verb === 'HEAD' || (verb === 'POST' && path.startsWith('/inspector/'))) return WEBHOOK;
  return undefined;
}
