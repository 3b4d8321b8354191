/**
 * Five versions of one model approved at the same moment, all for one production endpoint (issue 9
 * item 8): they roll out one at a time, each canary next to the version promoted just before it; the
 * endpoint never carries more than two variants and never receives an update while it is Updating;
 * it ends on the version promoted last. Each promotion's pruning meets the queued versions' models
 * and must leave them alone.
 *
 * Watched two ways: DescribeEndpoint through the SDK every ~200 ms (what an operator would see),
 * and every update call as it reaches the emulator, with the endpoint's status at that instant (a
 * refused update is retried by the product, so only the emulator sees it).
 */
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Input } from '@model-version-lifecycle/sagemaker-emulator';
import type { LifecycleState } from '../../../src/shared/lifecycle-state';
import { approveSignal } from '../../../src/shared/messages';
import { seedProduction } from '../emulator/emulator-harness';
import {
  CHAOS_TRAFFIC_PER_SECOND,
  chaosRequest,
  inventory,
  sleep,
  startChaosEnv,
  waitForState,
  type ChaosEnv,
} from './chaos-harness';

let h: ChaosEnv;
beforeAll(async () => {
  h = await startChaosEnv();
  h.startWorker();
});
afterAll(async () => h?.stop());

const VERSIONS = 5;
const UPDATE_OPERATIONS = ['UpdateEndpoint', 'UpdateEndpointWeightsAndCapacities'] as const;

interface UpdateArrival {
  operation: string;
  status: string;
}

/** Records each update of `endpointName` with the status the endpoint had when the call arrived. */
function recordUpdates(endpointName: string): UpdateArrival[] {
  const arrivals: UpdateArrival[] = [];
  const ops = h.emulator.state.sageMaker;
  for (const operation of UPDATE_OPERATIONS) {
    const real = ops[operation]!;
    ops[operation] = (input) => {
      if (input.str('EndpointName') === endpointName) {
        const described = ops.DescribeEndpoint!(new Input({ EndpointName: endpointName })) as {
          EndpointStatus: string;
        };
        arrivals.push({ operation, status: described.EndpointStatus });
      }
      return real(input);
    };
  }
  return arrivals;
}

/** When this lifecycle held production: from entering deploying-canary to its last transition. */
function productionWindow(s: LifecycleState): [number, number] {
  const start = s.transitions.find((t) => t.stage === 'deploying-canary');
  const end = s.transitions[s.transitions.length - 1]!;
  return [Date.parse(start!.at), Date.parse(end.at)];
}

describe('versions approved at once for one endpoint', () => {
  it('five roll out one at a time, never more than two variants, never an update while Updating', async () => {
    const first = chaosRequest();
    const group = first.modelPackageGroup;
    const endpoint = first.deployment.productionEndpointName;
    await seedProduction(h, group, endpoint);
    h.sendTraffic(endpoint, CHAOS_TRAFFIC_PER_SECOND);
    const updates = recordUpdates(endpoint);

    const requests = Array.from({ length: VERSIONS }, () => {
      const req = chaosRequest({ group, endpoint });
      // Two steps are enough to have two variants serving. Default retention: each promotion prunes
      // while the others' models wait in the queue, which must not touch them (before the ownership
      // change it deleted one and that version failed at CreateEndpointConfig: "Could not find model").
      return { ...req, deployment: { ...req.deployment, canarySteps: [50, 100] } };
    });
    const handles = await Promise.all(requests.map((req) => h.start(req)));
    await Promise.all(
      handles.map((handle) =>
        waitForState(handle, (s) => s.stage === 'awaiting-approval', 'awaiting-approval', 60_000),
      ),
    );

    const samples: { status: string; variants: [string, number][] }[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const d = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
        samples.push({
          status: d.EndpointStatus ?? '?',
          variants: (d.ProductionVariants ?? []).map((v) => [v.VariantName ?? '?', v.CurrentWeight ?? -1]),
        });
        await sleep(200);
      }
    })();

    await Promise.all(handles.map((handle) => handle.signal(approveSignal, { by: 'alice@ml' })));
    const finals = await Promise.all(handles.map((handle) => handle.result()));
    sampling = false;
    await sampler;

    for (const s of finals.filter((f) => f.stage !== 'promoted')) {
      console.log(
        `[endpoint-queue] v${s.modelVersion} ended ${s.stage}: ${JSON.stringify(s.rollback ?? s.verdicts.at(-1))}`,
      );
    }
    expect(finals.map((s) => s.stage)).toEqual(Array(VERSIONS).fill('promoted'));
    // One at a time: in the order they held production, each window starts after the previous ended,
    // and each canary ran next to the version promoted just before it (v1, the seed, for the first).
    const inOrder = [...finals].sort((a, b) => productionWindow(a)[0] - productionWindow(b)[0]);
    for (let i = 1; i < inOrder.length; i++) {
      expect(productionWindow(inOrder[i]!)[0]).toBeGreaterThanOrEqual(productionWindow(inOrder[i - 1]!)[1]);
    }
    expect(inOrder.map((s) => s.canary?.stableVariant)).toEqual([
      'v1',
      ...inOrder.slice(0, -1).map((s) => `v${s.modelVersion}`),
    ]);

    // The operator's view: sampled often enough to have seen every rollout's two-variant phase.
    console.log(`[endpoint-queue] ${samples.length} DescribeEndpoint samples, ${updates.length} updates`);
    expect(samples.length).toBeGreaterThan(50);
    expect(Math.max(...samples.map((s) => s.variants.length))).toBe(2);
    expect(samples.filter((s) => s.variants.length === 2).length).toBeGreaterThanOrEqual(VERSIONS);
    // Every update arrived at an idle endpoint: 5 canary configs, 5 promotions, 5 × 2 weight steps.
    expect(updates.filter((u) => u.status !== 'InService')).toEqual([]);
    expect(updates.filter((u) => u.operation === 'UpdateEndpoint')).toHaveLength(2 * VERSIONS);
    expect(updates.filter((u) => u.operation === 'UpdateEndpointWeightsAndCapacities')).toHaveLength(
      2 * VERSIONS,
    );

    const last = inOrder[inOrder.length - 1]!;
    const described = await h.aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }));
    expect(described.ProductionVariants?.map((v) => [v.VariantName, v.CurrentWeight])).toEqual([
      [`v${last.modelVersion}`, 1],
    ]);
    const resources = await inventory(h.aws.sagemaker, group);
    expect(resources.packages.map((p) => p.status)).toEqual(Array(VERSIONS + 1).fill('Approved'));
    expect(resources.endpoints).toEqual([{ name: 'G-prod', status: 'InService' }]);
  }, 240_000);
});
