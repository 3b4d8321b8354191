/** The shadow stage's and the strategy's input: off or canary unless asked for, defaults, and field-level errors. */
import { describe, expect, it } from 'vitest';
import { parseLifecycleInput } from '../../src/shared/lifecycle-input';

const base = {
  modelPackageGroup: 'churn',
  idempotencyKey: 'train-1',
  registeredBy: 'pipeline@ml',
  artifactUri: 's3://models/1/model.tar.gz',
  inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1',
  lineage: {
    datasetUri: 's3://data/churn',
    datasetVersion: '7',
    codeCommit: 'abc123',
    trainingJobName: 'train-1',
  },
  deployment: { productionEndpointName: 'churn-prod', bakeSeconds: 60, healthCheckIntervalSeconds: 10 },
};

describe('shadow stage input', () => {
  it('is off by default and validated when given', () => {
    const plain = parseLifecycleInput(base);
    expect(plain.ok && plain.value.deployment.shadow).toBeUndefined();
    const defaults = parseLifecycleInput({ ...base, deployment: { ...base.deployment, shadow: {} } });
    expect(defaults.ok && defaults.value.deployment.shadow).toEqual({
      trafficPercent: 100,
      bakeSeconds: 600,
    });
    const bad = parseLifecycleInput({
      ...base,
      deployment: { ...base.deployment, shadow: { trafficPercent: 0, bakeSeconds: 1, typo: 1 } },
    });
    expect(bad.ok).toBe(false);
    const fields = bad.ok ? [] : bad.errors.map((e) => e.field);
    expect(fields).toEqual(
      expect.arrayContaining(['deployment.shadow.trafficPercent', 'deployment.shadow.typo']),
    );
  });
});

it('refuses a shadow bake shorter than the health check interval', () => {
  const bad = parseLifecycleInput({
    ...base,
    deployment: { ...base.deployment, shadow: { bakeSeconds: 5 } },
  });
  expect(bad.ok ? [] : bad.errors.map((e) => e.field)).toEqual(['deployment.shadow.bakeSeconds']);
});

describe('strategy input', () => {
  it('defaults to the workflow-driven canary', () => {
    const parsed = parseLifecycleInput(base);
    expect(parsed.ok && parsed.value.deployment.strategy).toBe('canary');
  });

  it('refuses an unknown strategy and a guardrails timeout shorter than its bakes', () => {
    const unknown = parseLifecycleInput({
      ...base,
      deployment: { ...base.deployment, strategy: 'blue-green' },
    });
    expect(unknown.ok ? [] : unknown.errors.map((e) => e.field)).toEqual(['deployment.strategy']);
    const short = parseLifecycleInput({
      ...base,
      deployment: {
        ...base.deployment,
        strategy: 'guardrails',
        guardrails: {
          trafficRouting: 'LINEAR',
          stepPercent: 10,
          waitIntervalSeconds: 600,
          maximumExecutionTimeoutSeconds: 3600,
        },
      },
    });
    expect(short.ok ? [] : short.errors).toEqual([
      expect.objectContaining({
        field: 'deployment.guardrails.maximumExecutionTimeoutSeconds',
        message: expect.stringMatching(/6000 s/),
      }),
    ]);
    const big = parseLifecycleInput({
      ...base,
      deployment: { ...base.deployment, strategy: 'guardrails', guardrails: { stepPercent: 60 } },
    });
    expect(big.ok ? [] : big.errors.map((e) => e.field)).toEqual(['deployment.guardrails.stepPercent']);
  });
});
