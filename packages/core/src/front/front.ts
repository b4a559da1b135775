import { toError, WebhookError } from '../errors.js';
import type { WebhookResponse } from '../http/response.js';
import { acceptedResponse, errorResponse, readRefusal } from '../http/response.js';
import { routeOf } from '../http/route.js';
import type { Inspector } from '../inspector/inspector.js';
import { inspectorOff } from '../inspector/inspector.js';
import { deliveriesObserved, eventTimestamps, publishDelivery, publishRejection } from '../observe/channels.js';
import type { StatsCounter } from '../observe/stats.js';
import type { AckMode, RejectInfo } from '../options/receiver-options.js';
import type { Accepted, Pipeline, ReceivedRequest, WebhookRequest } from '../pipeline/pipeline.js';
import { isProviderName } from '../providers/index.js';
import type { ReadEndpoint } from '../read-endpoint.js';
import { readEndpointOff } from '../read-endpoint.js';
import type { Tracker } from '../tracker/tracker.js';

/** How an adapter wants one delivery acknowledged. */
export interface HandleOptions {
  /**
   * Serverless platforms (Vercel, Cloudflare, Netlify) freeze a function once it answered unless the
   * work is handed to `waitUntil`. Given, an on-receipt receiver answers at once and passes the
   * pending application of the delivery here.
   */
  waitUntil?(promise: Promise<unknown>): void;
  /** Answer only once the store committed this delivery (503 when it failed), whatever the ack mode. */
  awaitCommit?: boolean;
}

/** Settles a delivery's promise quietly (its failure is reported by the queue): one function for every request. */
const quiet = (): undefined => undefined;

/** What the front needs: the routes it answers, the one writer, and where refusals and problems go. */
export interface FrontParts {
  owner: object;
  inspector: Inspector | undefined;
  reads: ReadEndpoint | undefined;
  pipeline: Pipeline;
  tracker: Tracker;
  counter: StatsCounter;
  ack: AckMode;
  ackTimeoutMs: number;
  maxQueued: number;
  rejections: (info: RejectInfo) => void;
  report(error: Error): void;
}

/**
 * The receiver's front: routing (the inspector, the read endpoint, then the webhook pipeline), the
 * back-pressure check, the ack policy (on-receipt, after-store within ackTimeoutMs) and refusals
 * (onReject, counted, published, shown in the inspector). Never throws.
 */
export class Front {
  constructor(private readonly parts: FrontParts) {}

  /**
   * Answer one request. Written without `async`: on the common path (a lazy body, then the synchronous
   * pipeline) the only promise is the body read's `then`, not an async frame and its awaits per request.
   */
  respond(input: WebhookRequest, options: HandleOptions): Promise<WebhookResponse> {
    if (typeof input.body !== 'function') {
      try {
        return Promise.resolve(this.answer(input as ReceivedRequest, options));
      } catch (error) {
        return Promise.reject(error as Error);
      }
    }
    // A lazy body is read first, here, within the receiver's limits; its refusal is answered as every refusal is.
    const request: ReceivedRequest = { ...input, body: null };
    let read: Promise<Uint8Array>;
    try {
      read = Promise.resolve(input.body()); // the promise itself when it is one (a body function may answer bytes at once)
    } catch (error) {
      return Promise.resolve(this.failed(error, request, true));
    }
    return read.then(
      (bytes) => {
        request.body = bytes;
        return this.answer(request, options);
      },
      (error: unknown) => this.failed(error, request, true),
    );
  }

  /** Route a request whose body is read, and run the pipeline: the answer at once, or a promise of it on the rarer async paths. */
  private answer(request: ReceivedRequest, options: HandleOptions): WebhookResponse | Promise<WebhookResponse> {
    const { parts } = this;
    let pending: Accepted | Promise<Accepted>;
    try {
      const route = routeOf(request.method, request.url ?? '/');
      if (route?.to === 'inspector')
        return this.caught(parts.inspector !== undefined ? parts.inspector.answer(route.route, request) : inspectorOff(), request);
      if (route?.to === 'read')
        return this.caught(parts.reads !== undefined ? parts.reads.answer(route.target, request) : readEndpointOff(), request);
      pending = parts.pipeline.run(request);
    } catch (error) {
      return this.failed(error, request);
    }
    if (pending instanceof Promise)
      return pending.then(
        (accepted) => this.accept(accepted, request, options),
        (error: unknown) => this.failed(error, request),
      );
    return this.accept(pending, request, options);
  }

  /** A route's answer, its failure answered as every failure is. */
  private caught(answer: WebhookResponse | Promise<WebhookResponse>, request: ReceivedRequest): WebhookResponse | Promise<WebhookResponse> {
    return answer instanceof Promise ? answer.catch((error: unknown) => this.failed(error, request)) : answer;
  }

  /** A refusal (a WebhookError) answered as such; anything else a generic 500, and onError learns why. */
  private failed(error: unknown, request: WebhookRequest, read = false): WebhookResponse {
    if (error instanceof WebhookError) return this.refuse(error, request, read);
    // Nothing escapes: no stack, no input echoed.
    this.parts.report(toError(error));
    return this.refuse(new WebhookError(500, 'internal_error', 'The webhook could not be processed'), request);
  }

  /** An accepted delivery: queued (or refused when the queue is full), answered on receipt or once committed. */
  private accept(accepted: Accepted, request: ReceivedRequest, options: HandleOptions): WebhookResponse | Promise<WebhookResponse> {
    const { parts } = this;
    // Before its merge: its events' provider timestamps, for the delivery lag.
    if (deliveriesObserved())
      publishDelivery({
        receiver: parts.owner,
        provider: accepted.provider,
        receivedAt: Date.now(),
        timestamps: eventTimestamps(accepted.presence, accepted.channel),
      });
    for (const problem of accepted.problems) parts.report(problem);
    if (parts.tracker.depth >= parts.maxQueued) {
      const busy = new WebhookError(
        503,
        'server_busy',
        `${parts.tracker.depth} deliveries are waiting for the store (maxQueuedDeliveries ${parts.maxQueued}); retry the delivery`,
      );
      parts.report(busy);
      return this.refuse(busy, request);
    }
    const done = parts.tracker.deliver(accepted);
    if (parts.ack === 'after-store' || options.awaitCommit === true) {
      return settleWithin(done, parts.ackTimeoutMs).then((outcome) => {
        if (outcome === 'ok') return acceptedResponse(accepted);
        const why =
          outcome === 'failed'
            ? 'The presence store is unavailable; retry the delivery'
            : `The presence store did not commit within ${parts.ackTimeoutMs} ms (ackTimeoutMs); retry the delivery`;
        return this.refuse(new WebhookError(503, 'store_failed', why), request);
      });
    }
    const settled = done.catch(quiet); // reported by the queue
    try {
      options.waitUntil?.(settled);
    } catch (error) {
      parts.report(toError(error)); // handle() never throws: the delivery is queued all the same
    }
    return acceptedResponse(accepted);
  }

  /**
   * Answer a refusal: tell onReject (or the rate-limited log) about it, never the body nor a secret;
   * count it, publish it, show it in the inspector. A refused body read closes the connection when the
   * body was not read to its end.
   */
  private refuse(error: WebhookError, request: WebhookRequest, read = false): WebhookResponse {
    const { parts } = this;
    const info: RejectInfo = { status: error.status, code: error.code, reason: error.message };
    const provider = error.details?.provider;
    if (isProviderName(provider)) info.provider = provider;
    if (typeof error.details?.keyName === 'string') info.keyName = error.details.keyName;
    if (request.remoteAddress !== undefined) info.remoteAddress = request.remoteAddress;
    try {
      parts.rejections(info);
    } catch (inner) {
      parts.report(toError(inner));
    }
    parts.counter.rejected(info.code);
    publishRejection({ receiver: parts.owner, status: info.status, code: info.code, message: info.reason });
    parts.inspector?.notify({ type: 'rejection', status: info.status, code: info.code, message: info.reason });
    return read ? readRefusal(error) : errorResponse(error);
  }
}

/** How a commit went within the ack bound. The delivery stays queued after a timeout: a later commit is harmless. */
function settleWithin(done: Promise<void>, ms: number): Promise<'ok' | 'failed' | 'timeout'> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('timeout'), ms);
    done.then(
      () => {
        clearTimeout(timer);
        resolve('ok');
      },
      () => {
        clearTimeout(timer);
        resolve('failed');
      },
    );
  });
}
