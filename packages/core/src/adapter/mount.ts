import { routeOf } from '../http/route.js';

/**
 * The request URL (path and query) relative to where an adapter is mounted, or undefined when the
 * path is neither the mount path nor under it: `/webhooks?secret=x` under `/webhooks` is `/?secret=x`,
 * `/webhooks/channels/a/members` is `/channels/a/members`, `/webhooks-other` is undefined. A trailing
 * slash on the mount path is ignored; `/` (or '') mounts at the root. An absolute-form request target
 * (`http://host/webhooks`) is read for its path and query.
 */
export function mountRelativeUrl(url: string, mountPath: string): string | undefined {
  const target = url.startsWith('/') ? url : pathAndQuery(url);
  const base = mountPath.endsWith('/') ? mountPath.slice(0, -1) : mountPath;
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (path === base) return `/${target.slice(path.length)}`;
  if (!path.startsWith(`${base}/`)) return undefined;
  return target.slice(base.length);
}

function pathAndQuery(url: string): string {
  try {
    const parsed = new URL(url);
    return parsed.pathname + parsed.search;
  } catch {
    return `/${url}`;
  }
}

/**
 * True for the requests an adapter hands to the receiver, given the URL relative to its mount
 * (`routeOf`, the receiver's one route matcher, routes them): every method on the mount path
 * itself (the receiver answers 405 for all but POST), GETs and HEADs under it (the read endpoint
 * and the inspector, or a 405 / 404 when they are off), and POSTs to the inspector
 * (`/inspector/session`, `/inspector/resync`).
 */
export function answersAt(method: string | undefined, relativeUrl: string): boolean {
  const route = routeOf(method, relativeUrl);
  if (route?.to !== 'inspector') return route !== undefined;
  return method === 'GET' || method === 'HEAD' || (method === 'POST' && relativeUrl.startsWith('/inspector/'));
}
