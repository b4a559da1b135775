import type { ContentType } from '../http/content-type.js';
import type { RequestHeaders } from '../http/headers.js';
import type { RequestView } from '../providers/provider.js';

function queryOf(url: string | undefined): URLSearchParams {
  const q = url === undefined ? -1 : url.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : (url as string).slice(q + 1));
}

/** A request as providers see it; the query string is parsed only if a provider reads it (shared secrets). */
export class PipelineRequest implements RequestView {
  private parsed: URLSearchParams | undefined;

  constructor(
    readonly headers: RequestHeaders,
    readonly body: Uint8Array,
    readonly contentType: ContentType,
    private readonly url: string | undefined,
  ) {}

  get query(): URLSearchParams {
    return (this.parsed ??= queryOf(this.url));
  }
}
