/**
 * Strategy guardrails: SageMaker's own blue/green deployment. The lifecycle creates CloudWatch alarms
 * on the new variant's metrics, starts UpdateEndpoint with a DeploymentConfig naming them in its
 * AutoRollbackConfiguration, and follows the deployment to its end, reading SageMaker's outcome from
 * DescribeEndpoint (the config it ended on, FailureReason, LastDeploymentConfig). Idempotent: alarm
 * names derive from the workflow ID, PutMetricAlarm overwrites, and a started update is not restarted.
 */
import {
  DeleteAlarmsCommand,
  PutMetricAlarmCommand,
  type CloudWatchClient,
} from '@aws-sdk/client-cloudwatch';
import { UpdateEndpointCommand, type SageMakerClient } from '@aws-sdk/client-sagemaker';
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorTypes, type GuardedDeploymentActivities } from '../src/shared/activity-contracts';
import { aws, classifyAwsError, endpointNotReady, isEndpointBusy } from './aws-errors';
import { describeRawEndpoint } from './endpoint-snapshot';

/** Statuses in which SageMaker is still deploying (or rolling the deployment back). */
const IN_PROGRESS = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

export function createGuardedDeploymentActivities(deps: {
  sagemaker: SageMakerClient;
  cloudwatch: CloudWatchClient;
}): GuardedDeploymentActivities {
  const { sagemaker, cloudwatch } = deps;
  return {
    async createRollbackAlarms(input) {
      const dimensions = [
        { Name: 'EndpointName', Value: input.endpointName },
        { Name: 'VariantName', Value: input.variantName },
      ];
      const common = {
        Namespace: 'AWS/SageMaker',
        Dimensions: dimensions,
        Period: input.periodSeconds,
        EvaluationPeriods: input.evaluationPeriods,
        DatapointsToAlarm: input.datapointsToAlarm,
        ComparisonOperator: 'GreaterThanThreshold' as const,
        // No traffic yet is no evidence against the new fleet.
        TreatMissingData: 'notBreaching',
        ActionsEnabled: false,
      };
      const alarms = [
        {
          ...common,
          AlarmName: `${input.alarmPrefix}-5xx-rate`,
          AlarmDescription: `5xx rate of ${input.variantName} over ${input.maxErrorRate}`,
          // Invocation5XXErrors is 0 or 1 per request: its Average is the error rate.
          MetricName: 'Invocation5XXErrors',
          Statistic: 'Average' as const,
          Threshold: input.maxErrorRate,
        },
        {
          ...common,
          AlarmName: `${input.alarmPrefix}-latency-p99`,
          AlarmDescription: `p99 ModelLatency of ${input.variantName} over ${input.maxLatencyMs} ms`,
          MetricName: 'ModelLatency',
          ExtendedStatistic: 'p99',
          Threshold: input.maxLatencyMs * 1000, // ModelLatency is in microseconds
        },
      ];
      for (const alarm of alarms) {
        await aws('PutMetricAlarm', () => cloudwatch.send(new PutMetricAlarmCommand(alarm)));
      }
      return alarms.map((a) => a.AlarmName);
    },

    async deleteAlarms(alarmNames) {
      if (alarmNames.length === 0) return;
      await aws('DeleteAlarms', () => cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: alarmNames })));
    },

    async startGuardedUpdate(input) {
      const raw = await describeRawEndpoint(sagemaker, input.endpointName);
      if (!raw) {
        throw ApplicationFailure.nonRetryable(
          `endpoint ${input.endpointName} does not exist`,
          ErrorTypes.NotFound,
        );
      }
      // A retry after our own update was accepted: it is running (or has ended) on our config.
      const pending = raw.PendingDeploymentSummary?.EndpointConfigName;
      if (raw.EndpointConfigName === input.endpointConfigName || pending === input.endpointConfigName) {
        return 'unchanged';
      }
      if (raw.EndpointStatus !== 'InService') {
        throw endpointNotReady(
          `endpoint ${input.endpointName} is ${raw.EndpointStatus}; cannot update it yet`,
        );
      }
      const size = { Type: 'CAPACITY_PERCENT' as const, Value: input.stepPercent };
      try {
        await sagemaker.send(
          new UpdateEndpointCommand({
            EndpointName: input.endpointName,
            EndpointConfigName: input.endpointConfigName,
            DeploymentConfig: {
              BlueGreenUpdatePolicy: {
                TrafficRoutingConfiguration: {
                  Type: input.trafficRouting,
                  WaitIntervalInSeconds: input.waitIntervalSeconds,
                  ...(input.trafficRouting === 'CANARY' ? { CanarySize: size } : { LinearStepSize: size }),
                },
                TerminationWaitInSeconds: input.terminationWaitSeconds,
                MaximumExecutionTimeoutInSeconds: input.maximumExecutionTimeoutSeconds,
              },
              AutoRollbackConfiguration: { Alarms: input.alarmNames.map((AlarmName) => ({ AlarmName })) },
            },
          }),
        );
      } catch (err) {
        if (isEndpointBusy(err))
          throw endpointNotReady(`UpdateEndpoint: endpoint ${input.endpointName} is busy`);
        throw classifyAwsError('UpdateEndpoint', err);
      }
      return 'updated';
    },

    async followGuardedUpdate(input) {
      const raw = await describeRawEndpoint(sagemaker, input.endpointName);
      if (!raw) {
        throw ApplicationFailure.nonRetryable(
          `endpoint ${input.endpointName} does not exist`,
          ErrorTypes.NotFound,
        );
      }
      const status = raw.EndpointStatus ?? 'Unknown';
      if (IN_PROGRESS.has(status))
        throw endpointNotReady(`SageMaker's deployment on ${input.endpointName}: ${status}`);
      if (status !== 'InService') {
        throw ApplicationFailure.nonRetryable(
          `endpoint ${input.endpointName} is ${status}: ${raw.FailureReason ?? 'no failure reason given'}`,
          ErrorTypes.EndpointFailed,
        );
      }
      const deployed = raw.EndpointConfigName === input.endpointConfigName;
      return {
        outcome: deployed ? 'deployed' : 'rolled-back',
        endpointConfigName: raw.EndpointConfigName ?? '',
        ...(!deployed && raw.FailureReason ? { failureReason: raw.FailureReason } : {}),
        ...(raw.LastDeploymentConfig ? { lastDeploymentConfig: raw.LastDeploymentConfig } : {}),
      };
    },
  };
}
