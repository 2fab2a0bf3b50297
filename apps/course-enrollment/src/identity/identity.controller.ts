import { Body, Controller, Get, HttpCode, Inject, Ip, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Public, Role, Roles, type AuthUser } from '@registrar/platform';
import type { AccountView } from './account.view.js';
import { CreateAccountDto } from './dto/create-account.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { RegisterDto } from './dto/register.dto.js';
import { IdentityService, type IssuedToken } from './identity.service.js';

@ApiTags('auth')
@Controller('api/auth')
export class IdentityController {
  constructor(@Inject(IdentityService) private readonly identity: IdentityService) {}

  /** Student self-registration. */
  @Public()
  @Post('register')
  register(@Body() dto: RegisterDto): Promise<AccountView> {
    return this.identity.create({ ...dto, role: Role.student });
  }

  @Public()
  @Post('login')
  @HttpCode(200)
  login(@Body() dto: LoginDto, @Ip() address: string): Promise<IssuedToken> {
    return this.identity.login(dto.email, dto.password, address ?? 'unknown');
  }

  @ApiBearerAuth()
  @Get('me')
  me(@CurrentUser() user: AuthUser): Promise<AccountView> {
    return this.identity.get(user.id);
  }

  /** Staff create instructor and staff accounts. */
  @ApiBearerAuth()
  @Roles(Role.staff)
  @Post('accounts')
  createAccount(@Body() dto: CreateAccountDto): Promise<AccountView> {
    return this.identity.create(dto);
  }
}
