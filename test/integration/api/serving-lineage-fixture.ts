/** What GET /endpoints/:name answers in the API tests (the lineage reader is stubbed with it). */
import type { ServingLineage } from '../../../src/shared/activity-contracts';

export const servingLineageFixture: ServingLineage = {
  endpointName: 'churn-prod',
  status: 'InService',
  endpointConfigName: 'churn-prod-v1-abc',
  variants: [
    {
      variantName: 'v1',
      weight: 1,
      modelName: 'churn-v1-abc',
      modelVersion: 1,
      approvalStatus: 'Approved',
      approvedBy: 'alice@test',
      registeredBy: 'pipeline@test',
      lineage: {
        datasetUri: 's3://data/churn',
        datasetVersion: '7',
        codeCommit: 'abc123',
        trainingJobName: 'train-7',
      },
    },
  ],
};
