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

  async respond(input: WebhookRequest, options: HandleOptions): Promise<WebhookResponse> {
    const { parts } = this;
    let accepted: Accepted;
    // A lazy body is read first, here, within the receiver's limits; its refusal is answered as every refusal is.
    let reading = typeof input.body === 'function';
    const request: ReceivedRequest = reading ? { ...input, body: null } : (input as ReceivedRequest);
    try {
      if (reading) request.body = await (input.body as () => Promise<Uint8Array>)();
      reading = false;
      const route = routeOf(request.method, request.url ?? '/');
      if (route?.to === 'inspector')
        return await (parts.inspector !== undefined ? parts.inspector.answer(route.route, request) : inspectorOff());
      if (route?.to === 'read') return await (parts.reads !== undefined ? parts.reads.answer(route.target, request) : readEndpointOff());
      const pending = parts.pipeline.run(request);
      accepted = pending instanceof Promise ? await pending : pending;
    } catch (error) {
      if (error instanceof WebhookError) return this.refuse(error, request, reading);
      // Nothing escapes: an unexpected failure is a generic 500 (no stack, no input echoed), and onError learns why.
      parts.report(toError(error));
      return this.refuse(new WebhookError(500, 'internal_error', 'The webhook could not be processed'), request);
    }
    this.observeAccepted(accepted);
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
      const outcome = await settleWithin(done, parts.ackTimeoutMs);
      if (outcome !== 'ok') {
        const why =
          outcome === 'failed'
            ? 'The presence store is unavailable; retry the delivery'
            : `The presence store did not commit within ${parts.ackTimeoutMs} ms (ackTimeoutMs); retry the delivery`;
        return this.refuse(new WebhookError(503, 'store_failed', why), request);
      }
    } else {
      const settled = done.catch(quiet); // reported by the queue
      try {
        options.waitUntil?.(settled);
      } catch (error) {
        parts.report(toError(error)); // handle() never throws: the delivery is queued all the same
      }
    }
    return acceptedResponse(accepted.presence.length + accepted.channel.length, accepted.problems.length);
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

  /** An accepted delivery, before its merge: its events' provider timestamps, for the delivery lag. */
  private observeAccepted(accepted: Accepted): void {
    if (deliveriesObserved())
      publishDelivery({
        receiver: this.parts.owner,
        provider: accepted.provider,
        receivedAt: Date.now(),
        timestamps: eventTimestamps(accepted.presence, accepted.channel),
      });
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
