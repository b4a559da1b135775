import { answersAt, mountRelativeUrl } from '@presence-webhooks/core/adapter';

/**
 * The request URL (path and query) relative to the mount path, or undefined when the handler does
 * not answer the request: only `path` itself (a trailing slash also matches) and GETs / HEADs under
 * it (the receiver's read endpoint, `<path>/channels/:channel/members`). Without a path, every URL.
 * The rules are core's (`mountRelativeUrl`, `answersAt`), the same as every other adapter's.
 */
export function mountMatcher(path: string | undefined): (method: string, url: URL) => string | undefined {
  if (path === undefined || path === '' || path === '/') return (_method, url) => url.pathname + url.search;
  const base = path.startsWith('/') ? path : `/${path}`;
  return (method, url) => {
    const relative = mountRelativeUrl(url.pathname + url.search, base);
    return relative !== undefined && answersAt(method, relative) ? relative : undefined;
  };
}
