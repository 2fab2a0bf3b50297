/**
 * Builds the gateway application (without listening), so main.ts and in-process tests share it.
 * Body parsing is off: the proxy forwards request bodies as bytes, and the gateway's own routes
 * take none.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConsoleLogger, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { AppModule } from './app.module.js';
import { requestIdMiddleware } from './common/request-id.middleware.js';
import { GatewayConfig } from './config/gateway-config.js';
import { swaggerUrls } from './docs/docs.controller.js';

/** dist/web, next to dist/apps/gateway/src/ where this file runs from when built. */
const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

export interface GatewayAppOptions {
  logger?: LoggerService | false;
}

export async function createGatewayApp(opts: GatewayAppOptions = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule, {
    bodyParser: false,
    // Open event streams would otherwise keep the HTTP server (and the process) alive on SIGTERM.
    forceCloseConnections: true,
    bufferLogs: opts.logger === undefined,
    ...(opts.logger !== undefined ? { logger: opts.logger } : {}),
  });
  const config = app.get(GatewayConfig);
  if (opts.logger === undefined) {
    app.useLogger(new ConsoleLogger({ json: config.logFormat === 'json', prefix: 'gateway' }));
  }
  app.set('trust proxy', false);
  app.disable('x-powered-by');
  app.use(requestIdMiddleware);
  app.use(
    helmet({
      contentSecurityPolicy: {
        useDefaults: true,
        directives: {
          'default-src': ["'self'"],
          'script-src': ["'self'"],
          // Swagger UI and Preact set style attributes; no inline scripts are allowed.
          'style-src': ["'self'", "'unsafe-inline'"],
          'img-src': ["'self'", 'data:'],
          'connect-src': ["'self'"],
          'upgrade-insecure-requests': null,
        },
      },
      // The platform is served over plain HTTP on loopback by default; HSTS would lock browsers out.
      strictTransportSecurity: false,
    }),
  );

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Registrar gateway')
      .setDescription(
        'Cluster view and znode browser. The services behind the gateway have their own documents.',
      )
      .setVersion('1')
      .build(),
  );
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/gateway.json',
    yamlDocumentUrl: 'docs/gateway.yaml',
    explorer: true,
    swaggerOptions: { urls: swaggerUrls() },
  });

  const webRoot = config.webRoot ?? DEFAULT_WEB_ROOT;
  if (existsSync(join(webRoot, 'index.html'))) {
    app.useStaticAssets(webRoot, { index: 'index.html', maxAge: 0, fallthrough: true });
  } else {
    app.use('/', (req: Request, res: Response, next: NextFunction) => {
      if (req.method !== 'GET' || req.path !== '/') return next();
      res
        .status(503)
        .type('text/plain')
        .send(`dashboard not built (${webRoot} missing): run npm run build\n`);
    });
  }
  app.enableShutdownHooks();
  return app;
}
