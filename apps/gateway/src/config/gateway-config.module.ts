/** Validated configuration for every gateway module. */
import { Global, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { GatewayConfig } from './gateway-config.js';
import { validateGatewayEnv } from './gateway-env.js';

@Global()
@Module({
  imports: [ConfigModule.forRoot({ validate: validateGatewayEnv, ignoreEnvFile: true })],
  providers: [GatewayConfig],
  exports: [GatewayConfig],
})
export class GatewayConfigModule {}
