import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PlatformConfig } from '@registrar/platform';
import { Account } from './account.entity.js';
import { IdentityController } from './identity.controller.js';
import { IdentitySettings } from './identity-settings.js';
import { IdentityService } from './identity.service.js';
import { LoginFailure } from './login-failure.entity.js';
import { LoginThrottleService } from './login-throttle.service.js';
import { SigningKey } from './signing-key.entity.js';
import { SigningKeysService } from './signing-keys.service.js';

export const identityEntities = [Account, SigningKey, LoginFailure];

@Module({
  imports: [TypeOrmModule.forFeature(identityEntities)],
  controllers: [IdentityController],
  providers: [
    {
      provide: IdentitySettings,
      inject: [PlatformConfig],
      useFactory: (c: PlatformConfig) => new IdentitySettings(c),
    },
    SigningKeysService,
    LoginThrottleService,
    IdentityService,
  ],
  exports: [IdentityService],
})
export class IdentityModule {}
