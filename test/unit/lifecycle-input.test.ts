import { describe, expect, it } from 'vitest';
import {
  lifecycleWorkflowId,
  parseLifecycleInput,
  type LifecycleRequest,
} from '../../src/shared/lifecycle-input';

const minimal: LifecycleRequest = {
  modelPackageGroup: 'churn',
  idempotencyKey: 'train-1',
  registeredBy: 'pipeline',
  artifactUri: 's3://models/k/model.tar.gz',
  inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:1',
  lineage: { datasetUri: 's3://d', datasetVersion: '1', codeCommit: 'c', trainingJobName: 't' },
  deployment: { productionEndpointName: 'churn-prod' },
};

describe('lifecycle input', () => {
  it('applies the documented defaults', () => {
    const r = parseLifecycleInput(minimal);
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(r.value.deployment.canarySteps).toEqual([10, 50, 100]);
    expect(r.value.approval.mode).toBe('manual');
    expect(r.value.approval.deadlineSeconds).toBe(7 * 24 * 3600);
    expect(r.value.deployment.health.minInvocations).toBe(100);
    expect(r.value.deployment.health.latencyStatistic).toBe('p99');
    expect(r.value.retainPreviousVersions).toBe(1);
  });

  it('names every invalid field', () => {
    const r = parseLifecycleInput({
      ...minimal,
      modelPackageGroup: '-bad',
      deployment: { productionEndpointName: 'p', canarySteps: [50, 10] },
      approval: { mode: 'automatic' },
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const fields = r.errors.map((e) => e.field);
    expect(fields).toContain('modelPackageGroup');
    expect(fields).toContain('deployment.canarySteps');
    expect(fields).toContain('approval.thresholds');
  });

  it('takes shares of the false-rollback budget for named tests, and refuses shares that leave a test none', () => {
    const withShares = (alphaShares: unknown) =>
      parseLifecycleInput({ ...minimal, deployment: { ...minimal.deployment, health: { alphaShares } } });
    const fine = withShares({ '5xx-vs-stable': 0.8 });
    expect(fine.ok && fine.value.deployment.health.alphaShares).toEqual({ '5xx-vs-stable': 0.8 });
    const errorsOf = (alphaShares: unknown) => {
      const r = withShares(alphaShares);
      return r.ok ? [] : r.errors.map((e) => `${e.field}: ${e.message}`);
    };
    expect(errorsOf({ '5xx-vs-stable': 0.6, 'latency-tail-vs-stable': 0.4 })).toEqual([
      expect.stringMatching(
        /^deployment\.health\.alphaShares: shares must sum to under 1, leaving a share for latency-body-vs-stable, 5xx-limit, latency-limit, 4xx-limit/,
      ),
    ]);
    expect(errorsOf({ '4xx-limit': 0 })).toEqual([
      'deployment.health.alphaShares.4xx-limit: must be over 0 (every test keeps a share)',
    ]);
    expect(errorsOf({ 'p99-vs-stable': 0.5 })).toEqual([
      expect.stringMatching(/^deployment\.health\.alphaShares\.p99-vs-stable: is not a known field/),
    ]);
    const six = (last: number) => ({
      '5xx-vs-stable': 0.5,
      'latency-body-vs-stable': 0.1,
      'latency-tail-vs-stable': 0.2,
      '5xx-limit': 0.1,
      'latency-limit': 0.05,
      '4xx-limit': last,
    });
    expect(errorsOf(six(0.05))).toEqual([]);
    expect(errorsOf(six(0.06))[0]).toMatch(/shares of all six tests must sum to 1/);
  });

  it('requires canary steps to end at 100', () => {
    const r = parseLifecycleInput({
      ...minimal,
      deployment: { productionEndpointName: 'p', canarySteps: [10, 50] },
    });
    expect(r.ok ? [] : r.errors).toEqual([{ field: 'deployment.canarySteps', message: 'must end at 100' }]);
  });

  it('derives the workflow ID from group and key', () => {
    expect(lifecycleWorkflowId('churn', 'train-1')).toBe('mv-churn-train-1');
  });

  it('refuses unknown fields at their own path, so a typo never becomes a default', () => {
    const r = parseLifecycleInput({
      ...minimal,
      deployment: { productionEndpointName: 'p', health: { minInvocatons: 0 } },
    });
    expect(r.ok ? [] : r.errors).toEqual([
      expect.objectContaining({
        field: 'deployment.health.minInvocatons',
        message: expect.stringMatching(/not a known field/),
      }),
    ]);
  });

  it('bounds every duration, so no value makes the deadline or a timer unrepresentable', () => {
    const r = parseLifecycleInput({ ...minimal, approval: { deadlineSeconds: 1e300 } });
    expect(r.ok ? [] : r.errors).toContainEqual({
      field: 'approval.deadlineSeconds',
      message: 'must be at most 7776000 seconds',
    });
  });

  it('counts metrics and hyperparameters together against the registry metadata left after the lifecycle’s nine', () => {
    const metrics = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`m${i}`, i]));
    const hyperparameters = Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`h${i}`, i]));
    const r = parseLifecycleInput({ ...minimal, metrics, lineage: { ...minimal.lineage, hyperparameters } });
    expect(r.ok ? [] : r.errors.map((e) => e.field)).toEqual(['metrics']);
    const fits = parseLifecycleInput({
      ...minimal,
      metrics,
      lineage: { ...minimal.lineage, hyperparameters: { h0: 1 } },
    });
    expect(fits.ok).toBe(true);
  });
});
