/**
 * Roles and which routes they open. Separation of duties, one role per permission whatever the
 * route: the pipeline registers, approvers approve and reject, operators steer deployments (pause,
 * resume, promote, rollback). Every role but `eventbridge` can read; `eventbridge` (the SageMaker
 * Studio bridge) can only post events, and an event's decision is held to the approver's rules under
 * the Studio user's mapped identity, so no other role may post one (an operator could approve that way).
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
