/**
 * Staging: a model from the package, a per-version staging endpoint, validation against it. The
 * staging endpoint and its config are deleted on every path, cancellation included (best-effort: a
 * failed delete is a warning in the state).
 */
import { CancellationScope } from '@temporalio/workflow';
import type { ValidationReport } from '../src/shared/activity-contracts';
import { DEFAULT_SAMPLE_PAYLOADS, type LifecycleInput } from '../src/shared/lifecycle-input';
import type { ResourceNames } from '../src/shared/resource-names';
import { aws, endpointCalls, validation } from './activity-proxies';
import { bestEffort } from './best-effort';
import type { LifecycleRecord } from './lifecycle-record';

export async function deployAndValidateStaging(
  input: LifecycleInput,
  names: ResourceNames,
  record: LifecycleRecord,
): Promise<ValidationReport> {
  const d = input.deployment;
  const endpoints = endpointCalls(d.endpointPollSeconds, d.endpointTimeoutSeconds);
  const owner = { lifecycleId: record.state.workflowId, modelPackageGroup: input.modelPackageGroup };
  record.state.stagingEndpointName = names.stagingEndpointName;
  record.enter('deploying-staging', 'workflow');
  try {
    await aws.createModelFromPackage({
      modelName: names.modelName,
      modelPackageArn: record.state.modelPackageArn!,
      owner,
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
      owner,
    });
    await endpoints.deployEndpointConfig({
      endpointName: names.stagingEndpointName,
      endpointConfigName: names.stagingConfigName,
      owner,
      exclusive: true,
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
    )({
      endpointName: names.stagingEndpointName,
      payloads,
      latencyBudgetMs: d.latencyBudgetMs,
      maxErrorRate: d.health.maxErrorRate,
      alpha: d.health.falseRollbackBudget,
    });
    record.state.validation = report;
    return report;
  } finally {
    // Best-effort: a staging endpoint left behind costs money but never changes the outcome.
    await CancellationScope.nonCancellable(async () => {
      await bestEffort(record, `delete ${names.stagingEndpointName}`, () =>
        endpoints.deleteEndpoint(names.stagingEndpointName, owner),
      );
      await bestEffort(record, `delete ${names.stagingConfigName}`, () =>
        aws.deleteEndpointConfig(names.stagingConfigName, owner),
      );
    });
  }
}
