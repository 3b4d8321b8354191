/**
 * Global guard: 401 without a valid bearer token, 403 when the caller's roles do not open the route.
 * Closed by default: a route must declare `@RequireRoles(...)` or `@Public()`.
 */
import {
  ForbiddenException,
  Inject,
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AUTHENTICATOR } from '../tokens';
import type { Authenticator } from './authenticator';
import type { RequestWithCaller } from './caller';
import { PUBLIC_METADATA, ROLES_METADATA, type Role } from './roles';

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_METADATA, targets)) return true;
    const request = context.switchToHttp().getRequest<RequestWithCaller>();
    const header = request.headers.authorization;
    const caller = await this.authenticator.authenticate(Array.isArray(header) ? header[0] : header);
    if (!caller) throw new UnauthorizedException('a valid bearer token is required');
    request.caller = caller;
    const allowed = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_METADATA, targets) ?? [];
    if (!caller.roles.some((r) => allowed.includes(r))) {
      throw new ForbiddenException(
        `${caller.identity} (roles: ${caller.roles.join(', ') || 'none'}) may not do this; it needs one of: ${allowed.join(', ') || 'nobody'}`,
      );
    }
    return true;
  }
}
