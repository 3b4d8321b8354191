/**
 * Who made a decision in SageMaker Studio, as one of this product's identities. The event names a
 * Studio user profile and/or an IAM principal; a configured mapping turns either into the identity
 * the registrant and other approvers are compared with, so the rules of /approve hold on this
 * route too. Unmapped users are refused by default: a name that merely looks different from the
 * registrant's is no proof that it is someone else.
 */
import type { StudioIdentityConfig } from '../../config';
import type { SageMakerStateChange } from './sagemaker-event';

export type StudioIdentity =
  { ok: true; identity: string; studioUser: string } | { ok: false; studioUser: string; refusal: string };

/** The event's names for the user, most specific first: the keys the mapping may use. */
export function studioUserKeys(event: SageMakerStateChange): string[] {
  const d = event.detail;
  const who = d.LastModifiedBy;
  const keys = [
    who?.UserProfileArn,
    who?.DomainId && who.UserProfileName ? `${who.DomainId}/${who.UserProfileName}` : undefined,
    who?.UserProfileName,
    who?.IamIdentity?.Arn,
    d.UpdatedBy,
  ];
  return keys.filter((k): k is string => typeof k === 'string' && k !== '');
}

export function resolveStudioIdentity(
  event: SageMakerStateChange,
  config: StudioIdentityConfig,
): StudioIdentity {
  const keys = studioUserKeys(event);
  const studioUser = keys[0] ?? 'unknown';
  for (const key of keys) {
    const identity = config.identityMap[key];
    if (identity) return { ok: true, identity, studioUser: key };
  }
  const profile = event.detail.LastModifiedBy?.UserProfileName ?? event.detail.UpdatedBy;
  if (config.unmapped === 'profile-name' && profile) {
    return { ok: true, identity: profile, studioUser: profile };
  }
  return {
    ok: false,
    studioUser,
    refusal:
      keys.length === 0
        ? 'the event names no Studio user, so the approver rules cannot be applied'
        : `Studio user ${studioUser} is not mapped to an identity of this service (STUDIO_IDENTITY_MAP)`,
  };
}
