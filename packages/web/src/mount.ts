/**
 * The request URL (path and query) relative to the mount path, or undefined when the handler does
 * not answer the request: only `path` itself (a trailing slash also matches) and GETs / HEADs under
 * it (the receiver's read endpoint, `<path>/channels/:channel/members`). Without a path, every URL.
 */
export function mountMatcher(path: string | undefined): (method: string, url: URL) => string | undefined {
  if (path === undefined || path === '' || path === '/') return (_method, url) => url.pathname + url.search;
  const base = path.endsWith('/') ? path.slice(0, -1) : path;
  const prefix = base.startsWith('/') ? base : `/${base}`;
  return (method, url) => {
    const { pathname, search } = url;
    if (pathname === prefix || pathname === `${prefix}/`) return `/${search}`;
    const read = method === 'GET' || method === 'HEAD';
    if (read && pathname.startsWith(`${prefix}/`)) return pathname.slice(prefix.length) + search;
    return undefined;
  };
}
