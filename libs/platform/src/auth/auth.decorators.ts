import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import type { AuthUser, Role } from './auth-user.js';

export const PUBLIC_ROUTE = 'registrar:public';
export const REQUIRED_ROLES = 'registrar:roles';

/** The route needs no token (a token, when sent, is still verified and exposed). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);

/** Only callers with one of these roles (403 otherwise). */
export const Roles = (...roles: Role[]) => SetMetadata(REQUIRED_ROLES, roles);

/** The verified caller (`undefined` only on a @Public() route called without a token). */
export const CurrentUser = createParamDecorator((_: unknown, ctx: ExecutionContext): AuthUser | undefined => {
  return ctx.switchToHttp().getRequest<{ user?: AuthUser }>().user;
});

export const QUERY_TOKEN = 'registrar:query-token';

/**
 * Also accept the token as `?access_token=` (EventSource cannot send headers). Only for
 * read-only streams: a URL ends up in logs and history.
 */
export const AllowQueryToken = () => SetMetadata(QUERY_TOKEN, true);
