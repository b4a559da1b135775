// recipe:start
import diagnostics from 'node:diagnostics_channel';
import type { Span, Tracer } from '@opentelemetry/api';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import type { HandleTraceContext, StoreApplyTraceContext } from '@presence-webhooks/core/observe';
import { HANDLE_CHANNEL, STORE_APPLY_CHANNEL } from '@presence-webhooks/core/observe';

/**
 * Spans for presence-webhooks from its tracing channels: one SERVER span per `receiver.handle`
 * (HTTP server semantic conventions) and one INTERNAL span per `store.apply`. Returns `stop()`.
 */
export function tracePresenceWebhooks(tracer: Tracer): () => void {
  const spans = new WeakMap<object, Span>();
  const finish = (context: object, failed: string | undefined) => {
    const span = spans.get(context);
    if (span === undefined) return;
    if (failed !== undefined) {
      span.setAttribute(ATTR_ERROR_TYPE, failed);
      span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };
  const noop = () => undefined;
  const handle = {
    start(context: HandleTraceContext) {
      const method = context.request.method.toUpperCase();
      const path = (context.request.url ?? '/').split('?')[0] as string; // never the query: it may carry ?secret=
      spans.set(
        context,
        tracer.startSpan(method, { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method, [ATTR_URL_PATH]: path } }),
      );
    },
    asyncEnd(context: HandleTraceContext) {
      const status = context.result?.status ?? 500;
      spans.get(context)?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      finish(context, status >= 500 ? String(status) : undefined); // 4xx: the client's error, not the server's
    },
    error: noop,
    end: noop,
    asyncStart: noop,
  };
  const apply = {
    start(context: StoreApplyTraceContext) {
      spans.set(
        context,
        tracer.startSpan('presence-webhooks store.apply', {
          kind: SpanKind.INTERNAL,
          attributes: { 'presence_webhooks.events': context.events },
        }),
      );
    },
    error(context: StoreApplyTraceContext) {
      const error = context.error instanceof Error ? context.error : new Error(String(context.error));
      spans.get(context)?.recordException(error);
    },
    asyncEnd(context: StoreApplyTraceContext) {
      finish(context, context.error === undefined ? undefined : context.error instanceof Error ? context.error.name : 'Error');
    },
    end: noop,
    asyncStart: noop,
  };
  const handleChannel = diagnostics.tracingChannel<unknown, HandleTraceContext>(HANDLE_CHANNEL);
  const applyChannel = diagnostics.tracingChannel<unknown, StoreApplyTraceContext>(STORE_APPLY_CHANNEL);
  handleChannel.subscribe(handle);
  applyChannel.subscribe(apply);
  return () => {
    handleChannel.unsubscribe(handle);
    applyChannel.unsubscribe(apply);
  };
}
// recipe:end

import { readFileSync } from 'node:fs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createReceiver, MemoryStore } from '@presence-webhooks/core';
import { ABLY_ACTION, ablyBatchRequest, ablyPresenceItem } from '@presence-webhooks/testing/builders';
import { describe, expect, it } from 'vitest';
import { postTo, startExpress } from './helpers/express-server.js';

const KEY = 'otelApp.key1:otel-secret';

function enter(clientId: string) {
  return ablyBatchRequest(
    [
      ablyPresenceItem('room-1', [
        { id: `c-${clientId}:1:0`, clientId, connectionId: `c-${clientId}`, action: ABLY_ACTION.enter, timestamp: Date.now() },
      ]),
    ],
    { key: KEY },
  );
}

/** A store that fails on demand (the real MemoryStore otherwise). */
class FlakyStore extends MemoryStore {
  fail = false;
  override apply(...args: Parameters<MemoryStore['apply']>): ReturnType<MemoryStore['apply']> {
    if (this.fail) return Promise.reject(new Error('store down'));
    return super.apply(...args);
  }
}

describe('docs/recipes/opentelemetry.md', () => {
  it('turns handle and store.apply into spans with the HTTP server conventions', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const stop = tracePresenceWebhooks(provider.getTracer('presence-webhooks'));
    const store = new FlakyStore();
    const receiver = createReceiver({ ably: { keys: [KEY] }, store, ack: 'after-store' });
    const server = await startExpress(receiver);
    try {
      expect((await postTo(`${server.url}?secret=not-in-a-span`, enter('alice'))).status).toBe(200);
      expect((await postTo(server.url, ablyBatchRequest([], { key: 'otelApp.key1:forged' }))).status).toBe(401);
      store.fail = true;
      expect((await postTo(server.url, enter('bob'))).status).toBe(503);
      await receiver.idle();
    } finally {
      stop();
      await server.close();
      await receiver.close();
    }
    const spans = exporter.getFinishedSpans();
    const handled = spans.filter((s) => s.kind === SpanKind.SERVER);
    expect(
      handled.map((s) => [
        s.name,
        s.attributes[ATTR_HTTP_REQUEST_METHOD],
        s.attributes[ATTR_URL_PATH],
        s.attributes[ATTR_HTTP_RESPONSE_STATUS_CODE],
        s.status.code,
      ]),
    ).toEqual([
      ['POST', 'POST', '/', 200, SpanStatusCode.UNSET],
      ['POST', 'POST', '/', 401, SpanStatusCode.UNSET],
      ['POST', 'POST', '/', 503, SpanStatusCode.ERROR],
    ]);
    expect(handled[2]?.attributes[ATTR_ERROR_TYPE]).toBe('503');
    const applied = spans.filter((s) => s.kind === SpanKind.INTERNAL);
    expect(applied.map((s) => [s.name, s.attributes['presence_webhooks.events'], s.status.code])).toEqual([
      ['presence-webhooks store.apply', 1, SpanStatusCode.UNSET],
      ['presence-webhooks store.apply', 1, SpanStatusCode.ERROR],
    ]);
    expect(applied[1]?.events.map((e) => e.name)).toEqual(['exception']);
    expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('not-in-a-span');
    // stopped: nobody listens any more, so core publishes nothing
    expect(diagnostics.tracingChannel(HANDLE_CHANNEL).start.hasSubscribers).toBe(false);
  });

  it('shows this code in the recipe, unchanged', () => {
    const source = readFileSync(new URL('./otel.test.ts', import.meta.url), 'utf8');
    const example = source.slice(source.indexOf('// recipe:start\n') + '// recipe:start\n'.length, source.indexOf('// recipe:end'));
    const recipe = readFileSync(new URL('../docs/recipes/opentelemetry.md', import.meta.url), 'utf8');
    expect(recipe).toContain(example);
  });
});
