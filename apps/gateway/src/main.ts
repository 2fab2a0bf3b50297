/** The gateway process: `node dist/apps/gateway/src/main.js` (env: see config/gateway-env.ts). */
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { GatewayConfig } from './config/gateway-config.js';
import { createGatewayApp } from './gateway-app.js';

async function main(): Promise<void> {
  const app = await createGatewayApp();
  const config = app.get(GatewayConfig);
  await app.listen(config.port, config.host);
  new Logger('Gateway').log(`listening on http://${config.host}:${config.port}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
