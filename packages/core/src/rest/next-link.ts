import LinkHeader from 'http-link-header';

/**
 * The absolute URL of the `rel="next"` target of a Link header, resolved against the URL of the
 * page it came with (Ably sends relative targets such as `<./presence?...>`), or undefined.
 * A target on another origin is refused: the request carries the API key.
 */
export function nextLink(header: string | null | undefined, pageUrl: string): string | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const next = LinkHeader.parse(header).rel('next')[0];
  if (next === undefined) return undefined;
  const url = new URL(next.uri, pageUrl);
  if (url.origin !== new URL(pageUrl).origin)
    throw new Error(`the next page is on another origin (${url.origin}); the API key is not sent there`);
  return url.href;
}
