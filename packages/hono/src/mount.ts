/**
 * Where a Hono route that matched `pathname` is mounted: the route pattern without its trailing
 * `/*`, with its parameters taken from the request (`/tenants/:id/webhooks/*` matched by
 * `/tenants/7/webhooks/x` -> `/tenants/7/webhooks`). '' (the whole URL) for `*`, `/*`, or a pattern
 * with a wildcard inside it.
 */
export function mountOf(pattern: string, pathname: string): string {
  const segments = pattern.split('/').filter((segment) => segment !== '');
  if (segments.at(-1) === '*') segments.pop();
  if (segments.length === 0 || segments.some((segment) => segment.includes('*'))) return '';
  const actual = pathname.split('/').filter((segment) => segment !== '');
  if (actual.length < segments.length) return '';
  return `/${actual.slice(0, segments.length).join('/')}`;
}
