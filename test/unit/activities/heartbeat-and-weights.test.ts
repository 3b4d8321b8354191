/**
 * The two activity-side halves of fast, correct recovery: every activity heartbeats while an AWS
 * call is in flight (so a dead worker is noticed by a short heartbeat timeout, and a slow call on a
 * live worker is never cut), and after a weight change the wait ends only when traffic has moved.
 */
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../../activities';
import { createBuildPinningActivities } from '../../../activities/build-pinning';
import { HEARTBEAT_EVERY_MS, heartbeating } from '../../../activities/heartbeat';
import { ErrorTypes } from '../../../src/shared/activity-contracts';
import { failureOf, mockedDeps } from './helpers';

describe('heartbeats while an activity runs', () => {
  it('beats at least every HEARTBEAT_EVERY_MS for as long as the call takes, and stops after', async () => {
    const env = new MockActivityEnvironment();
    const beats: number[] = [];
    env.on('heartbeat', () => beats.push(Date.now()));
    const slowCall = heartbeating(async () => {
      await new Promise((r) => setTimeout(r, 3.5 * HEARTBEAT_EVERY_MS));
      return 'done';
    });
    const started = Date.now();
    await expect(env.run(slowCall)).resolves.toBe('done');
    const afterEnd = beats.length;
    expect(afterEnd).toBeGreaterThanOrEqual(4); // one at start, then one per interval
    const gaps = beats.slice(1).map((t, i) => t - beats[i]!);
    expect(Math.max(...gaps, beats[0]! - started)).toBeLessThan(HEARTBEAT_EVERY_MS * 1.5);
    await new Promise((r) => setTimeout(r, 2 * HEARTBEAT_EVERY_MS));
    expect(beats.length).toBe(afterEnd);
  }, 15_000);

  it('the real activities beat while SageMaker is slow to answer', async () => {
    const { deps, mocks } = mockedDeps();
    mocks.sagemaker
      .on(DescribeEndpointCommand)
      .callsFake(
        () =>
          new Promise((r) => setTimeout(() => r({ EndpointName: 'prod', EndpointStatus: 'Creating' }), 2500)),
      );
    const activities = createActivities({ ...deps, temporal: { client: {} as never, taskQueue: 'q' } });
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => (beats += 1));
    await env.run(activities.describeEndpoint, 'prod');
    expect(beats).toBeGreaterThanOrEqual(2);
  });
});

describe('awaitEndpointInService after a weight change', () => {
  function setUp(variants: { VariantName: string; CurrentWeight: number; DesiredWeight: number }[]) {
    const { deps, mocks } = mockedDeps();
    mocks.sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'prod',
      EndpointStatus: 'InService',
      EndpointConfigName: 'prod-canary',
      ProductionVariants: variants.map((v) => ({ ...v, CurrentInstanceCount: 1 })),
    });
    mocks.sagemaker.on(DescribeEndpointConfigCommand).resolves({
      ProductionVariants: variants.map((v) => ({
        VariantName: v.VariantName,
        ModelName: `m-${v.VariantName}`,
      })),
    });
    mocks.sagemaker.on(DescribeModelCommand).resolves({ PrimaryContainer: {} });
    return createActivities(deps);
  }

  it('keeps waiting while any variant serves another weight than it was asked for', async () => {
    const activities = setUp([
      { VariantName: 'v1', CurrentWeight: 90, DesiredWeight: 50 },
      { VariantName: 'v2', CurrentWeight: 10, DesiredWeight: 50 },
    ]);
    const f = await failureOf(
      activities.awaitEndpointInService({ endpointName: 'prod', weightsSettled: true }),
    );
    expect(f.type).toBe(ErrorTypes.EndpointNotReady);
    expect(f.message).toMatch(/weights still moving: v1 90 → 50, v2 10 → 50/);
    // Without the flag, InService is enough (waiting for a config, not for traffic).
    await expect(activities.awaitEndpointInService({ endpointName: 'prod' })).resolves.toMatchObject({
      status: 'InService',
    });
  });

  it('setVariantWeights sends the capacity with the weight, and skips a change already asked for', async () => {
    const { deps, mocks } = mockedDeps();
    mocks.sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'prod',
      EndpointStatus: 'InService',
      ProductionVariants: [
        { VariantName: 'v1', CurrentWeight: 90, DesiredWeight: 90, CurrentInstanceCount: 4 },
        { VariantName: 'v2', CurrentWeight: 10, DesiredWeight: 10, CurrentInstanceCount: 1 },
      ],
    });
    mocks.sagemaker.on(UpdateEndpointWeightsAndCapacitiesCommand).resolves({});
    const activities = createActivities(deps);
    await activities.setVariantWeights({
      endpointName: 'prod',
      weights: { v1: 90, v2: 10 },
      instanceCounts: { v2: 1 },
    });
    expect(mocks.sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)).toHaveLength(0);
    await activities.setVariantWeights({
      endpointName: 'prod',
      weights: { v1: 50, v2: 50 },
      instanceCounts: { v2: 2 },
    });
    expect(mocks.sagemaker.commandCalls(UpdateEndpointWeightsAndCapacitiesCommand)[0]?.args[0].input).toEqual(
      {
        EndpointName: 'prod',
        DesiredWeightsAndCapacities: [
          { VariantName: 'v1', DesiredWeight: 50 },
          { VariantName: 'v2', DesiredWeight: 50, DesiredInstanceCount: 2 },
        ],
      },
    );
  });

  it('returns once every CurrentWeight equals its DesiredWeight', async () => {
    const activities = setUp([
      { VariantName: 'v1', CurrentWeight: 50, DesiredWeight: 50 },
      { VariantName: 'v2', CurrentWeight: 50, DesiredWeight: 50 },
    ]);
    const snap = await activities.awaitEndpointInService({ endpointName: 'prod', weightsSettled: true });
    expect(snap.variants.map((v) => v.weight)).toEqual([50, 50]);
  });
});

describe('pinToBuild', () => {
  it('pins the run to its build with a versioning override, and leaves an unversioned run alone', async () => {
    const calls: unknown[] = [];
    const activities = createBuildPinningActivities({
      temporal: {
        client: {
          options: { namespace: 'default' },
          workflowService: {
            updateWorkflowExecutionOptions: (async (req: unknown) => void calls.push(req)) as never,
          },
        },
      },
    });
    // An unversioned worker reports an empty version: pinning to it would wedge the run.
    const empty = { deploymentName: '', buildId: '' };
    await expect(activities.pinToBuild({ workflowId: 'w', runId: 'r', version: empty })).resolves.toBe(
      'unversioned',
    );
    await expect(activities.pinToBuild({ workflowId: 'w', runId: 'r' })).resolves.toBe('unversioned');
    expect(calls).toHaveLength(0);
    const version = { deploymentName: 'mvl', buildId: '0.1.0-abc' };
    await expect(activities.pinToBuild({ workflowId: 'w', runId: 'r', version })).resolves.toBe('pinned');
    expect(calls).toEqual([
      expect.objectContaining({
        namespace: 'default',
        workflowExecution: { workflowId: 'w', runId: 'r' },
        workflowExecutionOptions: { versioningOverride: { pinned: expect.objectContaining({ version }) } },
        updateMask: { paths: ['versioning_override'] },
      }),
    ]);
  });
});
