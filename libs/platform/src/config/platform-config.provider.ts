import { Global, Module, type DynamicModule } from '@nestjs/common';
import { PlatformConfig } from './platform-config.js';

/** Makes the validated PlatformConfig injectable everywhere (and in async module factories). */
@Global()
@Module({})
export class PlatformConfigModule {
  static of(config: PlatformConfig): DynamicModule {
    return {
      module: PlatformConfigModule,
      providers: [{ provide: PlatformConfig, useValue: config }],
      exports: [PlatformConfig],
    };
  }
}
