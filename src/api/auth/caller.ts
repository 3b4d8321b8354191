import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Role } from './roles';

/** Who is calling, from the bearer token: the identity the workflow records as the actor. */
export interface Caller {
  identity: string;
  roles: Role[];
  via: 'static-token' | 'jwt';
}

export type RequestWithCaller = { headers: Record<string, string | string[] | undefined>; caller?: Caller };

/** The authenticated caller, set by the AuthGuard. */
export const CurrentCaller = createParamDecorator((_data: unknown, ctx: ExecutionContext): Caller => {
  const caller = ctx.switchToHttp().getRequest<RequestWithCaller>().caller;
  if (!caller) throw new Error('CurrentCaller used on a route without authentication');
  return caller;
});
