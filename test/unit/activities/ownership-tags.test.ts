import { describe, expect, it } from 'vitest';
import { isOwnedForGroup, ownershipTags, tagMap, tagValue } from '../../../activities/ownership-tags';

describe('ownership tags', () => {
  it('name the product, the lifecycle and the group', () => {
    expect(ownershipTags({ lifecycleId: 'mv-churn-train-1', modelPackageGroup: 'churn' })).toEqual([
      { Key: 'mvl:managed-by', Value: 'model-version-lifecycle' },
      { Key: 'mvl:lifecycle', Value: 'mv-churn-train-1' },
      { Key: 'mvl:group', Value: 'churn' },
    ]);
  });

  it('keep values within SageMaker’s tag character set and 256 characters', () => {
    expect(tagValue('wf#1;drop*')).toBe('wf_1_drop_');
    expect(tagValue('x'.repeat(300))).toHaveLength(256);
    expect(tagValue('a.b:c/d=e+f-g@h_i j')).toBe('a.b:c/d=e+f-g@h_i j');
  });

  it('own a group exactly: churn’s tags are not churn-vip’s, nor is a look-alike manager', () => {
    const churn = tagMap(ownershipTags({ lifecycleId: 'w', modelPackageGroup: 'churn' }));
    expect(isOwnedForGroup(churn, 'churn')).toBe(true);
    expect(isOwnedForGroup(churn, 'churn-vip')).toBe(false);
    expect(isOwnedForGroup({ ...churn, 'mvl:managed-by': 'someone-else' }, 'churn')).toBe(false);
    expect(isOwnedForGroup({ 'mvl:group': 'churn' }, 'churn')).toBe(false);
  });
});
