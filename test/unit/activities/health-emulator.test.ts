/**
 * The evidence reader against the local emulator's CloudWatch (the real SDK client on the wire): the
 * ladder's statistics and ids are accepted, whole periods come back Complete, and the judge reads them;
 * an answer over several pages is read whole, and a cancelled activity stops between pages.
 */
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
} from '@aws-sdk/client-sagemaker';
import { CancelledFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsClients } from '../../../activities';
import { LATENCY_LADDER } from '../../../activities/health/exceedance';
import { judgeLook } from '../../../activities/health/judge';
import { readEvidence, readLatencyReference } from '../../../activities/health/metrics';
import {
  CREATE_DELAY_MS,
  startEmulatorWithClock,
  type EmulatorWithClock,
} from '../../helpers/emulator-with-clock';
import { policy } from './helpers';

let f: EmulatorWithClock;
beforeAll(async () => {
  f = await startEmulatorWithClock();
  const sm = f.aws.sagemaker;
  for (const v of ['stable', 'canary']) {
    await sm.send(
      new CreateModelCommand({
        ModelName: `hx-${v}`,
        PrimaryContainer: { Image: 'img', Environment: { EMULATOR_LATENCY_MS: '40' } },
      }),
    );
  }
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'hx-cfg',
      ProductionVariants: ['stable', 'canary'].map((v) => ({
        VariantName: v,
        ModelName: `hx-${v}`,
        InitialInstanceCount: 1,
      })),
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: 'hx', EndpointConfigName: 'hx-cfg' }));
  f.clock.advance(CREATE_DELAY_MS);
});
afterAll(async () => f?.close());

/** One second of traffic: n requests to each variant, then the period closes. */
function second(n: { stable: number; canary: number }) {
  for (const [variant, count] of Object.entries(n)) {
    for (let i = 0; i < count; i++) {
      f.emulator.state.invocations.invoke({ endpointName: 'hx', body: '[1]', targetVariant: variant });
    }
  }
  f.clock.advance(1000);
}

describe('readEvidence on the emulator', () => {
  it('reads whole periods with the latency ladder, Complete, and the judge gives a verdict', async () => {
    const p = policy({ metricPeriodSeconds: 1, minInvocations: 10 });
    second({ stable: 50, canary: 0 }); // the reference second, before the step
    const t0 = f.clock.now();
    f.clock.advance(500); // the weight change lands mid-period: that period is left out
    second({ stable: 40, canary: 10 });
    for (let s = 0; s < 3; s++) second({ stable: 40, canary: 10 });
    const ref = await readLatencyReference(f.aws.cloudwatch, {
      endpointName: 'hx',
      stableVariant: 'stable',
      sinceEpochMs: t0 + 500,
      policy: policy({ metricPeriodSeconds: 1, latencyReferenceSeconds: 1 }),
    });
    expect(ref).toMatchObject({ reference: { samples: 50 }, problems: [] });
    const e = await readEvidence(f.aws.cloudwatch, {
      endpointName: 'hx',
      canaryVariant: 'canary',
      stableVariant: 'stable',
      sinceEpochMs: t0 + 500,
      nowEpochMs: f.clock.now(),
      policy: p,
      latencyReference: ref.reference!,
    });
    expect(e.problems).toEqual([]);
    expect(e.periodStarts).toEqual([t0 + 1000, t0 + 2000, t0 + 3000]);
    const first = e.canary.get(t0 + 1000)!;
    expect(first).toMatchObject({ invocations: 10, errors5xx: 0 });
    expect(first.latency!.samples).toBe(10);
    expect(first.latency!.quantiles.get(99.75)).toBeGreaterThan(20); // every ladder level answered, in ms
    expect(first.latency!.quantiles.size).toBe(LATENCY_LADDER.length);
    const v = judgeLook(e, p, { stepIndex: 0, steps: [10, 50, 100], finalLook: true });
    expect(v.status).toBe('healthy');
    expect(v.canary.invocations).toBe(30);
    expect(v.stable!.invocations).toBe(120);
  });
});

/**
 * A CloudWatch client on the emulator whose GetMetricData pages hold `maxDatapoints` datapoints (a real
 * account pages at 100,800: long windows at short periods), with a hook run before each page is sent.
 */
function pagedCloudWatch(maxDatapoints: number, beforePage: (index: number) => void = () => {}) {
  const { cloudwatch } = createAwsClients({ region: 'us-east-1', endpoint: f.emulator.url, maxAttempts: 2 });
  let pages = 0;
  cloudwatch.middlewareStack.add(
    (next, context) => (args) => {
      if (context.commandName === 'GetMetricDataCommand') {
        (args.input as { MaxDatapoints?: number }).MaxDatapoints = maxDatapoints;
        beforePage(pages++);
      }
      return next(args);
    },
    { step: 'initialize', name: 'smallMetricPages' },
  );
  return { cloudwatch, pages: () => pages };
}

describe('readEvidence over several pages', () => {
  const traffic = () => {
    const t0 = f.clock.now();
    for (let s = 0; s < 4; s++) second({ stable: 30, canary: 10 });
    return {
      endpointName: 'hx',
      canaryVariant: 'canary',
      stableVariant: 'stable',
      sinceEpochMs: t0,
      nowEpochMs: f.clock.now(),
      policy: policy({ metricPeriodSeconds: 1, minInvocations: 10 }),
    };
  };

  it('reads every page: the same evidence as one page, Complete', async () => {
    const req = traffic();
    const whole = await readEvidence(f.aws.cloudwatch, req);
    expect(whole.problems).toEqual([]);
    const paged = pagedCloudWatch(7);
    const e = await readEvidence(paged.cloudwatch, req);
    expect(e.problems).toEqual([]);
    expect(e.canary).toEqual(whole.canary);
    expect(e.stable).toEqual(whole.stable);
    expect(e.stable!.get(e.periodStarts.at(-1)!)).toMatchObject({ invocations: 30 });
    // 2 variants × (4 counts + the ladder) × 3–4 periods, 7 a page.
    expect(paged.pages()).toBeGreaterThan(5);
  });

  it('gives up between pages when the activity is cancelled', async () => {
    const req = traffic();
    // The second page is held by the emulator; the cancel must end the read without waiting for it.
    const paged = pagedCloudWatch(7, (index) => {
      if (index === 1)
        f.emulator.state.faults.add({ operation: 'GetMetricData', kind: 'delay', delayMs: 5000, count: 1 });
    });
    const env = new MockActivityEnvironment();
    const started = performance.now();
    const running = env.run(() => readEvidence(paged.cloudwatch, req));
    setTimeout(() => env.cancel('CANCELLED'), 300);
    await expect(running).rejects.toBeInstanceOf(CancelledFailure);
    expect(performance.now() - started).toBeLessThan(3000);
    expect(paged.pages()).toBe(2);
  });
});
