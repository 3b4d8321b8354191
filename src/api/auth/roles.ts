/**
 * Roles and which routes they open. Separation of duties: the pipeline registers, approvers decide,
 * operators steer deployments. Operators may also reject (stopping a version before it deploys is an
 * operational call), but only approvers approve. Every role can read; `eventbridge` (the SageMaker
 * Studio bridge) can only post events, and operators may replay an event by hand.
 */
import { SetMetadata } from '@nestjs/common';

export const ROLES = ['pipeline', 'approver', 'operator', 'viewer', 'eventbridge'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export const READERS: Role[] = ['viewer', 'pipeline', 'approver', 'operator'];

export const ROLES_METADATA = 'mvl:roles';
export const PUBLIC_METADATA = 'mvl:public';

/** The caller needs one of these roles. Routes without it (and not `@Public()`) are closed to everyone. */
export const RequireRoles = (...roles: Role[]) => SetMetadata(ROLES_METADATA, roles);
export const Public = () => SetMetadata(PUBLIC_METADATA, true);
