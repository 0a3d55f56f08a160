import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Role } from '@cost-optimizer/dto';
import { type AuthUser, GLOBAL_OWNER, IS_PUBLIC, ROLES } from './auth-user';
import { forbidden, unauthorized } from './errors';

/** Every route needs a valid access token unless marked @Public(). */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(private readonly reflector: Reflector) {
    super();
  }

  override canActivate(context: ExecutionContext) {
    const isPublic = this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    return super.canActivate(context);
  }

  override handleRequest<T>(err: unknown, user: T | false): T {
    // Passport reports a bad token as "no user"; `err` is what validate() threw, e.g. the database being down:
    // rethrown so the filter answers 503 instead of logging the user out with a 401.
    if (err instanceof Error) throw err;
    if (err) throw new Error(JSON.stringify(err));
    if (!user)
      throw unauthorized(
        'Missing, invalid or expired access token: send Authorization: Bearer <access_token>',
      );
    return user;
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
