/**
 * Staging: a model from the package, a per-version staging endpoint, validation against it. The
 * staging endpoint and its config are deleted on every path, cancellation included.
 */
import { CancellationScope } from '@temporalio/workflow';
import type { ValidationReport } from '../src/shared/activity-contracts';
import { DEFAULT_SAMPLE_PAYLOADS, type LifecycleInput } from '../src/shared/lifecycle-input';
import type { ResourceNames } from '../src/shared/resource-names';
import { aws, endpointCalls, validation } from './activity-proxies';
import type { LifecycleRecord } from './lifecycle-record';

export async function deployAndValidateStaging(
  input: LifecycleInput,
  names: ResourceNames,
  record: LifecycleRecord,
): Promise<ValidationReport> {
  const d = input.deployment;
  const endpoints = endpointCalls(d.endpointPollSeconds, d.endpointTimeoutSeconds);
  record.state.stagingEndpointName = names.stagingEndpointName;
  record.enter('deploying-staging', 'workflow');
  try {
    await aws.createModelFromPackage({
      modelName: names.modelName,
      modelPackageArn: record.state.modelPackageArn!,
    });
    await aws.createEndpointConfig({
      endpointConfigName: names.stagingConfigName,
      variants: [
        {
          variantName: names.canaryVariantName,
          modelName: names.modelName,
          initialWeight: 1,
          instanceType: d.instanceType,
          initialInstanceCount: 1,
        },
      ],
    });
    await endpoints.deployEndpointConfig({
      endpointName: names.stagingEndpointName,
      endpointConfigName: names.stagingConfigName,
    });
    await endpoints.awaitEndpointInService({
      endpointName: names.stagingEndpointName,
      endpointConfigName: names.stagingConfigName,
    });
    record.enter('validating', 'workflow');
    const payloads = input.samplePayloads.length ? input.samplePayloads : DEFAULT_SAMPLE_PAYLOADS;
    const report = await validation(
      payloads.length,
      d.latencyBudgetMs,
    )({ endpointName: names.stagingEndpointName, payloads, latencyBudgetMs: d.latencyBudgetMs });
    record.state.validation = report;
    return report;
  } finally {
    await CancellationScope.nonCancellable(async () => {
      await endpoints.deleteEndpoint(names.stagingEndpointName);
      await aws.deleteEndpointConfig(names.stagingConfigName);
    });
  }
}
