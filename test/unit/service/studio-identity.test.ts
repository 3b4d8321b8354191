import { describe, expect, it } from 'vitest';
import type { SageMakerStateChange } from '../../../src/api/events/sagemaker-event';
import { resolveStudioIdentity } from '../../../src/api/events/studio-identity';

const event = (detail: Partial<SageMakerStateChange['detail']>): SageMakerStateChange => ({
  'detail-type': 'SageMaker Model Package State Change',
  detail: { ModelPackageGroupName: 'g', ModelPackageVersion: 1, ModelApprovalStatus: 'Approved', ...detail },
});
const profileArn = 'arn:aws:sagemaker:us-east-1:123456789012:user-profile/d-1/bob';
const roleArn = 'arn:aws:sts::123456789012:assumed-role/Approver/bob';

describe('resolveStudioIdentity', () => {
  const identityMap = { [profileArn]: 'bob@corp', 'd-2/bob': 'robert@corp', [roleArn]: 'bob-iam@corp' };

  it('maps the most specific name the event carries: profile ARN, domain/profile, profile, IAM ARN', () => {
    const config = { identityMap, unmapped: 'refuse' as const };
    const who = {
      UserProfileName: 'bob',
      DomainId: 'd-1',
      UserProfileArn: profileArn,
      IamIdentity: { Arn: roleArn },
    };
    expect(resolveStudioIdentity(event({ LastModifiedBy: who }), config)).toEqual({
      ok: true,
      identity: 'bob@corp',
      studioUser: profileArn,
    });
    // The same profile name in another domain is another person.
    expect(
      resolveStudioIdentity(event({ LastModifiedBy: { UserProfileName: 'bob', DomainId: 'd-2' } }), config),
    ).toMatchObject({ ok: true, identity: 'robert@corp' });
    expect(
      resolveStudioIdentity(event({ LastModifiedBy: { IamIdentity: { Arn: roleArn } } }), config),
    ).toMatchObject({ ok: true, identity: 'bob-iam@corp' });
  });

  it('refuses an unmapped or anonymous user by default; profile-name takes the profile as the identity', () => {
    const unmapped = event({ LastModifiedBy: { UserProfileName: 'mallory' } });
    expect(resolveStudioIdentity(unmapped, { identityMap, unmapped: 'refuse' })).toMatchObject({
      ok: false,
      refusal: expect.stringMatching(/mallory is not mapped/),
    });
    expect(resolveStudioIdentity(event({}), { identityMap, unmapped: 'refuse' })).toMatchObject({
      ok: false,
      refusal: expect.stringMatching(/names no Studio user/),
    });
    expect(resolveStudioIdentity(unmapped, { identityMap, unmapped: 'profile-name' })).toEqual({
      ok: true,
      identity: 'mallory',
      studioUser: 'mallory',
    });
    expect(resolveStudioIdentity(event({}), { identityMap, unmapped: 'profile-name' }).ok).toBe(false);
  });
});
