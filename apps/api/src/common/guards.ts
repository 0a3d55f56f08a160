import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@cost-optimizer/dto';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { accessOf } from '../auth/jwt.strategy';
import { type AuthUser, GLOBAL_OWNER, IS_PUBLIC, ROLES } from './auth-user';
import { CallerCache } from './caller-cache';
import { forbidden, unauthorized } from './errors';

/**
 * Every route needs a valid access token unless marked @Public(). The token is verified once per request (the
 * request limits' hook may have done it already); the caller (user, membership, role) comes from the replica's
 * CallerCache, so changes to them (and the end of the login session) apply within its bound. A database failure is rethrown (503), not a 401.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly callers: CallerCache,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    const req = context.switchToHttp().getRequest<{ headers: { authorization?: string }; user?: AuthUser }>();
    const access = accessOf(req, this.config.jwt.secret);
    const user = access ? await this.callers.resolve(access.sub, access.tid, access.sid) : null;
    if (!user)
      throw unauthorized(
        'Missing, invalid or expired access token: send Authorization: Bearer <access_token>',
      );
    req.user = user;
    return true;
  }
}

/** @Roles(...) and @GlobalOwnerOnly(): 403 when the caller's role does not allow the action. */
@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    const globalOnly = this.reflector.getAllAndOverride<boolean | undefined>(GLOBAL_OWNER, targets);
    if (!roles && !globalOnly) return true;
    const user = context.switchToHttp().getRequest<{ user?: AuthUser }>().user;
    if (!user) throw unauthorized();
    if (globalOnly && !user.isGlobalOwner)
      throw forbidden('Only platform administrators (global owners) may do this');
    if (roles && !roles.includes(user.role)) {
      throw forbidden(`Your role (${user.role}) cannot do this; it needs ${roles.join(' or ')}`);
    }
    return true;
  }
}
