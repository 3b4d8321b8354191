/** The emulator's resources survive a restart when it keeps them in a state file (as `npm start` does). */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AddTagsCommand,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeModelCommand,
  ListTagsCommand,
} from '@aws-sdk/client-sagemaker';
import { describe, expect, it } from 'vitest';
import { CREATE_DELAY_MS, startFixture } from './emulator-fixture';

describe('emulator state file', () => {
  it('keeps models and endpoints across a restart, but not metrics', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'emu-state-')), 'state.json');
    const before = await startFixture({ stateFile });
    await before.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'kept',
        PrimaryContainer: { Image: 'img', Environment: { EMULATOR_LATENCY_MS: '7' } },
      }),
    );
    await before.aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'kept-c',
        ProductionVariants: [{ VariantName: 'v1', ModelName: 'kept', InitialInstanceCount: 1 }],
      }),
    );
    await before.aws.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'kept-prod', EndpointConfigName: 'kept-c' }),
    );
    before.clock.advance(CREATE_DELAY_MS);
    before.emulator.state.invocations.invoke({ endpointName: 'kept-prod', body: '{}' });
    await before.close();

    const after = await startFixture({ stateFile });
    try {
      const endpoint = await after.aws.sagemaker.send(
        new DescribeEndpointCommand({ EndpointName: 'kept-prod' }),
      );
      expect(endpoint.EndpointStatus).toBe('InService');
      expect(endpoint.ProductionVariants?.map((v) => v.VariantName)).toEqual(['v1']);
      const model = await after.aws.sagemaker.send(new DescribeModelCommand({ ModelName: 'kept' }));
      expect(model.PrimaryContainer?.Environment).toEqual({ EMULATOR_LATENCY_MS: '7' });
      expect(after.emulator.state.invocations.counts.size).toBe(0);
    } finally {
      await after.close();
    }
  });

  it('keeps tags across a restart, including those added after creation', async () => {
    const stateFile = join(mkdtempSync(join(tmpdir(), 'emu-state-')), 'state.json');
    const before = await startFixture({ stateFile });
    const { ModelArn } = await before.aws.sagemaker.send(
      new CreateModelCommand({
        ModelName: 'tagged',
        PrimaryContainer: { Image: 'img' },
        Tags: [{ Key: 'mvl:group', Value: 'churn' }],
      }),
    );
    await before.aws.sagemaker.send(
      new AddTagsCommand({ ResourceArn: ModelArn, Tags: [{ Key: 'mvl:lifecycle', Value: 'wf-1' }] }),
    );
    await before.close();

    const after = await startFixture({ stateFile });
    try {
      const { Tags } = await after.aws.sagemaker.send(new ListTagsCommand({ ResourceArn: ModelArn }));
      expect(Tags).toEqual([
        { Key: 'mvl:group', Value: 'churn' },
        { Key: 'mvl:lifecycle', Value: 'wf-1' },
      ]);
    } finally {
      await after.close();
    }
  });
});
