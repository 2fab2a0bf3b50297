/**
 * Forwards one browser request to an instance of the service that owns its path: tries instances
 * in round-robin order, skips one that cannot be reached, sends an idempotent request once more to
 * another instance when the first broke after sending, and never repeats a POST that was sent.
 * Answers stream back as they arrive; Server-Sent Events go out unbuffered, and the upstream
 * request is cut as soon as the browser leaves.
 */
import { Agent, type ClientRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { sendError } from '../common/http-error.js';
import { GatewayMetrics } from '../common/gateway-metrics.js';
import { baseUrlOf, UpstreamPool, type Instance } from '../routing/upstream-pool.js';
import { downstreamResponseHeaders, isEventStream, upstreamRequestHeaders } from './forwarded-headers.js';
import { BodyTooLargeError, readBody } from './request-body.js';
import { redactTokens } from './redact-tokens.js';
import { isUnavailableStatus, mayRetry, type AttemptFailure } from './retry-policy.js';
import { attemptUpstream } from './upstream-attempt.js';

const MAX_BODY_BYTES = 1024 * 1024 + 64 * 1024; // schedules may be up to 1 MiB; the service judges that
const CONNECT_TIMEOUT_MS = 2000;
const HEADERS_TIMEOUT_MS = 30_000;

@Injectable()
export class ProxyService implements OnModuleDestroy {
  private readonly logger = new Logger('Proxy');
  // Keep-alive connections per instance: no TCP handshake per request at the opening minute.
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 });

  constructor(
    @Inject(UpstreamPool) private readonly pool: UpstreamPool,
    @Inject(GatewayMetrics) private readonly metrics: GatewayMetrics,
  ) {}

  onModuleDestroy(): void {
    this.agent.destroy();
  }

  async forward(
    service: string,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
  ): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const started = process.hrtime.bigint();
    let servedBy = '-';
    // One line per request (time to the answer's headers), with the id the service logs too.
    const done = (outcome: string, status: number) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      this.metrics.observe(service, method, outcome, status, seconds);
      this.logger.log(
        `${method} ${redactTokens(req.url ?? '/')} -> ${service}/${servedBy} ${status || '-'} ${outcome} ${(seconds * 1000).toFixed(1)} ms [${requestId}]`,
      );
    };

    let body: Buffer;
    try {
      body = await readBody(req, MAX_BODY_BYTES);
    } catch (err) {
      if (err instanceof BodyTooLargeError) {
        sendError(res, 413, err.message);
        return done('rejected', 413);
      }
      res.destroy();
      return done('client-aborted', 0);
    }

    const gone = new AbortController();
    res.once('close', () => gone.abort());

    const candidates = await this.pool.candidates(service);
    if (candidates.length === 0) {
      sendError(res, 503, `no live instance of ${service}`);
      return done('no-instance', 503);
    }

    let retriesAfterSend = 0;
    let lastError = '';
    let sentSomewhere = false;
    for (let k = 0; k < candidates.length; k++) {
      const instance = candidates[k]!;
      const isLast = k === candidates.length - 1;
      const result = await attemptUpstream(
        {
          host: instance.address,
          port: instance.port!,
          method,
          path: req.url ?? '/',
          headers: upstreamRequestHeaders(req.headers, {
            requestId,
            clientAddress: req.socket.remoteAddress,
            host: req.headers.host,
            upstreamHost: `${instance.address}:${instance.port}`,
            bodyLength: body.length,
          }),
          body,
          connectTimeoutMs: CONNECT_TIMEOUT_MS,
          headersTimeoutMs: HEADERS_TIMEOUT_MS,
          agent: this.agent,
        },
        gone.signal,
      );
      if (gone.signal.aborted) {
        if (result.ok) result.request.destroy();
        return done('client-aborted', 0);
      }

      let failure: AttemptFailure;
      if (result.ok) {
        const status = result.response.statusCode ?? 502;
        if (!isUnavailableStatus(status) || isLast) {
          this.pool.noteSuccess(instance);
          servedBy = instance.id;
          this.pipe(result.response, result.request, res, instance);
          return done(k === 0 ? 'ok' : 'retried', status);
        }
        // The instance answered "cannot serve now": read it off and ask another one if allowed.
        result.response.resume();
        failure = { kind: 'unavailable', status };
        lastError = `answered ${status}`;
      } else {
        failure = result.failure;
        lastError = result.error;
      }
      this.pool.noteFailure(instance);
      this.metrics.upstreamFailure(service, failure.kind);
      if (failure.kind !== 'not-sent') sentSomewhere = true;
      this.logger.warn(
        `${method} ${redactTokens(req.url ?? '/')} -> ${service} ${instance.id} (${baseUrlOf(instance)}) failed: ${lastError} [${requestId}]`,
      );
      if (!mayRetry(method, failure, retriesAfterSend)) {
        sendError(
          res,
          502,
          `${service} instance failed while handling the request (${lastError}); not retried`,
        );
        return done('failed', 502);
      }
      if (failure.kind !== 'not-sent') retriesAfterSend++;
    }
    if (sentSomewhere) {
      sendError(res, 502, `${service} failed on every instance tried (${lastError})`);
      return done('failed', 502);
    }
    sendError(res, 503, `no instance of ${service} is reachable (${lastError})`);
    return done('no-instance', 503);
  }

  /** Streams the instance's answer to the browser as it comes. */
  private pipe(
    upstream: IncomingMessage,
    upstreamReq: ClientRequest,
    res: ServerResponse,
    instance: Instance,
  ): void {
    const headers = downstreamResponseHeaders(upstream.headers);
    const sse = isEventStream(upstream.headers);
    if (sse) {
      // No buffering anywhere between the instance and the browser (proxies honour X-Accel-Buffering).
      headers['cache-control'] = 'no-cache, no-transform';
      headers['x-accel-buffering'] = 'no';
      res.socket?.setNoDelay(true);
    }
    res.writeHead(upstream.statusCode ?? 502, upstream.statusMessage, headers);
    if (sse) res.flushHeaders();
    const cut = () => {
      upstreamReq.destroy();
      upstream.destroy();
    };
    res.once('close', () => {
      if (!upstream.complete) cut();
    });
    // A broken answer must look broken (cut connection), except an event stream: ending it cleanly
    // makes the browser's EventSource reconnect (with Last-Event-ID) through the gateway to a live instance.
    const broken = () => (sse ? res.end() : res.destroy());
    upstreamReq.on('error', broken);
    upstream.on('error', broken);
    upstream.on('data', (chunk: Buffer) => {
      // write() hands each chunk to the socket now; back-pressure pauses the instance, not the gateway.
      if (!res.write(chunk)) {
        upstream.pause();
        res.once('drain', () => upstream.resume());
      }
    });
    upstream.once('end', () => res.end());
    upstream.once('close', () => {
      if (upstream.complete) return;
      this.logger.warn(`${instance.name} ${instance.id} broke off its answer`);
      broken();
    });
  }
}
