/**
 * Stand-in for test/helpers/fake-sagemaker.ts while it does not exist: just enough SageMaker for a
 * lifecycle to register and wait for approval. The API tests stop there or shortly after.
 */
import type { LifecycleActivities, ServingLineage } from '../../../src/shared/activity-contracts';

export function minimalFakeActivities(): Partial<LifecycleActivities> {
  const versions = new Map<string, number>();
  return {
    async registerModelVersion(input) {
      const version = (versions.get(input.modelPackageGroup) ?? 0) + 1;
      versions.set(input.modelPackageGroup, version);
      return {
        modelPackageArn: `arn:aws:sagemaker:us-east-1:000000000000:model-package/${input.modelPackageGroup}/${version}`,
        modelVersion: version,
      };
    },
    async describeVersionMetrics(arn) {
      return { modelPackageArn: arn, modelVersion: Number(arn.split('/').pop()), metrics: {} };
    },
    async recordApprovalDecision() {},
    async describeEndpoint() {
      return null;
    },
    async notify() {},
  };
}

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
