/** Bodies a training pipeline would send, each with a key of its own so tests never collide. */
import { randomUUID } from 'node:crypto';

export function newGroup(prefix = 'churn'): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function startBody(group = newGroup(), key = `train-${randomUUID().slice(0, 8)}`) {
  return {
    modelPackageGroup: group,
    idempotencyKey: key,
    artifactUri: 's3://models/churn/model.tar.gz',
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/sklearn:1',
    metrics: { auc: 0.91 },
    lineage: {
      datasetUri: 's3://data/churn',
      datasetVersion: '7',
      codeCommit: 'abc123',
      trainingJobName: key,
    },
    deployment: {
      productionEndpointName: `${group}-prod`,
      bakeSeconds: 2,
      healthCheckIntervalSeconds: 1,
      endpointPollSeconds: 1,
      health: { metricPeriodSeconds: 1, minInvocations: 0 },
    },
  };
}
