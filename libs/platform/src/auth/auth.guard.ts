/**
 * Global guard: every HTTP route needs a verified bearer token unless it is @Public(); @Roles()
 * narrows who may call it. RPC handlers are not guarded here: they are reached only by sibling
 * services on the internal network.
 */
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ForbiddenError, UnauthorizedError } from '../errors/domain-errors.js';
import type { AuthUser, Role } from './auth-user.js';
import { PUBLIC_ROUTE, QUERY_TOKEN, REQUIRED_ROLES } from './auth.decorators.js';
import { JwksService } from './jwks.service.js';

export function bearerToken(req: Request, allowQuery: boolean): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) throw new UnauthorizedError('Authorization header must be "Bearer <token>"');
    return m[1];
  }
  const q = req.query['access_token'];
  if (allowQuery && typeof q === 'string' && q !== '') return q;
  return undefined;
}

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(JwksService) private readonly jwks: JwksService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    if (ctx.getType() !== 'http') return true;
    const targets = [ctx.getHandler(), ctx.getClass()];
    const isPublic = this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets) ?? false;
    const allowQuery = this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN, targets) ?? false;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(REQUIRED_ROLES, targets);
    const req = ctx.switchToHttp().getRequest<Request & { user?: AuthUser }>();

    const token = bearerToken(req, allowQuery);
    if (token === undefined) {
      if (isPublic) return true;
      throw new UnauthorizedError();
    }
    if (isPublic) {
      // A public page must keep working for a visitor whose stored token expired.
      req.user = await this.jwks.verify(token).catch(() => undefined);
      return true;
    }
    req.user = await this.jwks.verify(token);
    if (roles !== undefined && roles.length > 0 && !roles.includes(req.user.role)) {
      throw new ForbiddenError(`requires role ${roles.join(' or ')}`);
    }
    return true;
  }
}
