/**
 * Boots a Registrar service the same way everywhere: JSON logs, the global ValidationPipe
 * (unknown fields refused, so `enrolled: 99` in a body is a 400, not mass assignment), body size
 * bounds, OpenAPI at /docs, shutdown hooks, the TCP microservice, then listening and, last of all,
 * registering in the service registry.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import {
  ConsoleLogger,
  Logger,
  ValidationPipe,
  type INestApplication,
  type LogLevel,
  type Type,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Transport, type MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PlatformConfig } from '../config/platform-config.js';
import { InstanceRegistration } from './instance-registration.js';

export interface ServiceBootOptions {
  /** Service name; must match PlatformModule.forRoot's. */
  service: string;
  /** OpenAPI title. */
  title: string;
  /** Serve `@MessagePattern` handlers on RPC_PORT (TCP). */
  rpc?: boolean;
  /** Largest JSON body accepted (default 1 MiB). */
  bodyLimit?: string;
  version?: string;
}

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

function logLevels(level: string): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level as LogLevel) + 1);
}

/** Builds and configures the app without listening (tests use this with supertest). */
export async function createServiceApp(
  module: Type<unknown>,
  opts: ServiceBootOptions,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bufferLogs: true,
    bodyParser: false,
    // Open SSE streams and keep-alive sockets must not hold a shutdown (SIGTERM) open.
    forceCloseConnections: true,
  });
  const config = app.get(PlatformConfig);
  app.useLogger(
    new ConsoleLogger({
      json: config.logFormat === 'json',
      colors: config.logFormat === 'pretty' && process.stdout.isTTY,
      prefix: opts.service,
      logLevels: logLevels(config.logLevel),
    }),
  );
  const limit = opts.bodyLimit ?? '1mb';
  app.useBodyParser('json', { limit });
  app.useBodyParser('urlencoded', { limit, extended: false });
  // The gateway on loopback sets X-Forwarded-For; per-address login throttling needs the real client.
  app.set('trust proxy', 'loopback');
  app.disable('x-powered-by');
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  app.enableShutdownHooks();
  const doc = new DocumentBuilder()
    .setTitle(opts.title)
    .setVersion(opts.version ?? '0.1.0')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc), {
    jsonDocumentUrl: 'docs-json',
  });
  for (const bug of (config.env.REGISTRAR_PLANTED_BUGS ?? '').split(',').filter(Boolean)) {
    new Logger('Platform').warn(`PLANTED BUG ACTIVE: ${bug} (test-only, never in production)`);
  }
  return app;
}

/** Where a running service listens. */
export interface RunningService {
  app: INestApplication;
  httpPort: number;
  rpcPort: number | null;
}

/**
 * Starts a service: connects the microservice (RPC_PORT, required when `rpc`), listens on
 * HOST:HTTP_PORT, then registers the instance.
 * @example
 *   await runService(AppModule, { service: ServiceName.courseEnrollment, title: 'Course enrollment', rpc: true });
 */
export async function runService(module: Type<unknown>, opts: ServiceBootOptions): Promise<RunningService> {
  const app = await createServiceApp(module, opts);
  const config = app.get(PlatformConfig);
  let rpcPort: number | null = null;
  if (opts.rpc) {
    if (config.rpcPort === undefined) throw new Error(`${opts.service}: RPC_PORT is required`);
    rpcPort = config.rpcPort;
    app.connectMicroservice<MicroserviceOptions>(
      { transport: Transport.TCP, options: { host: config.host, port: rpcPort } },
      { inheritAppConfig: true },
    );
    await app.startAllMicroservices();
  }
  await app.listen(config.httpPort, config.host);
  // The gateway reuses idle keep-alive connections. Node closes them after 5 s by default, and a
  // request the gateway writes onto a connection the server is closing just then is reset
  // (ECONNRESET: a 502 the gateway may not retry for a POST). Seen in `npm run bench -- platform`
  // between workloads; the idle close should come from the client's side, so wait much longer here.
  const server = app.getHttpServer() as { keepAliveTimeout: number; headersTimeout: number };
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const httpPort = (app.getHttpServer().address() as AddressInfo).port;
  const hold = config.env.REGISTRAR_TEST_HOLD_REGISTRATION;
  if (hold !== undefined) {
    // (A file, not a signal: Nest's shutdown hooks take SIGUSR2 and the rest of the usual ones.)
    new Logger('Platform').warn(`TEST HOLD: registration waits for ${hold} to exist`);
    while (!existsSync(hold)) await new Promise((r) => setTimeout(r, 50));
  }
  // Retries session trouble until registered (or shut down); meanwhile /health says 503.
  await app.get(InstanceRegistration).register(httpPort, rpcPort, opts.version ?? '0.1.0');
  return { app, httpPort, rpcPort };
}
