import { describe, expect, it } from 'vitest';
import { modelNameSearchHint, resourceNames, shortHash } from '../../src/shared/resource-names';

describe('resource names', () => {
  it('are deterministic per workflow and differ between workflows', () => {
    const a = resourceNames({
      workflowId: 'mv-g-1',
      modelPackageGroup: 'g',
      modelVersion: 3,
      productionEndpointName: 'prod',
    });
    const b = resourceNames({
      workflowId: 'mv-g-1',
      modelPackageGroup: 'g',
      modelVersion: 3,
      productionEndpointName: 'prod',
    });
    const c = resourceNames({
      workflowId: 'mv-g-2',
      modelPackageGroup: 'g',
      modelVersion: 3,
      productionEndpointName: 'prod',
    });
    expect(a).toEqual(b);
    expect(a.canaryConfigName).not.toBe(c.canaryConfigName);
    expect(a.stagingEndpointName).toBe('prod-stg-v3');
    expect(a.canaryVariantName).toBe('v3');
  });

  it('fit SageMaker names: at most 63 characters, no leading or doubled trailing hyphen', () => {
    const long = 'a'.repeat(62) + 'b';
    const names = resourceNames({
      workflowId: 'w',
      modelPackageGroup: long,
      modelVersion: 12345,
      productionEndpointName: long,
    });
    for (const name of Object.values(names)) {
      expect(name.length).toBeLessThanOrEqual(63);
      expect(name).toMatch(/^[a-zA-Z0-9](-*[a-zA-Z0-9])*-?$/);
    }
  });

  it('hashes to 7 base-36 characters', () => {
    expect(shortHash('x')).toMatch(/^[0-9a-z]{7}$/);
    expect(shortHash('x')).not.toBe(shortHash('y'));
  });

  it('every model name of a group contains its search hint, however long the group name', () => {
    const groups = ['churn', 'a'.repeat(63), `${'b'.repeat(39)}-${'c'.repeat(23)}`, `${'d'.repeat(38)}--e`];
    for (const modelPackageGroup of groups) {
      for (const modelVersion of [1, 42, 123456]) {
        const { modelName } = resourceNames({
          workflowId: `mv-${modelPackageGroup}-${modelVersion}`,
          modelPackageGroup,
          modelVersion,
          productionEndpointName: 'prod',
        });
        expect(modelName).toContain(modelNameSearchHint(modelPackageGroup));
      }
    }
  });
});
