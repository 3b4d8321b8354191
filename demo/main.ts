/**
 * `npm run demo`: the product's story through the public API against the running local stack.
 *   v1: first deployment of a new endpoint.
 *   v2: a good model, approved, canary 10 → 50 → 100 %, promoted.
 *       After promotion it is watched for a while (the post-promotion watch), then stays promoted.
 *   revert: an operator puts the endpoint back on v1 (POST /endpoints/:name/revert, one step).
 *   v3: a good model, promoted over v1; then withdrawn (POST …/withdraw, as a risk officer would
 *       after a rejection in the registry): the endpoint goes back to v1 through the same revert.
 *   v4: a bad model, approved, rolled back automatically at 10 %: it crashes on inputs with a missing
 *       feature, which its clean sample payload passes in staging and a quarter of real users send.
 *   v5: the same fault behind a shadow stage: it sees a copy of live traffic, answers nobody, and is
 *       rejected before any user is served by it.
 * Short bakes and a 1 s metric period (DEMO_METRIC_PERIOD_SECONDS) keep it to a few minutes.
 */
import { randomBytes } from 'node:crypto';
import type { ServingLineage } from '../src/shared/activity-contracts';
import { isFinalStage, type LifecycleState } from '../src/shared/lifecycle-state';
import type { RevertState } from '../src/shared/revert';
import { connectDemoApi, type DemoApi } from './demo-client';

const metricPeriodSeconds = Number(process.env.DEMO_METRIC_PERIOD_SECONDS ?? 1);
const bakeSeconds = Number(process.env.DEMO_BAKE_SECONDS ?? 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Extra {
  /** The post-promotion watch (seconds); none by default in the demo. */
  watchSeconds?: number;
  shadow?: { trafficPercent: number; bakeSeconds: number };
}

function requestFor(
  group: string,
  version: string,
  environment: Record<string, string>,
  auc: number,
  extra: Extra = {},
) {
  return {
    modelPackageGroup: group,
    idempotencyKey: `train-${version}`,
    description: `churn model ${version}`,
    artifactUri: `s3://models/${group}/${version}/model.tar.gz`,
    inferenceImage: '123456789012.dkr.ecr.us-east-1.amazonaws.com/churn:latest',
    environment,
    metrics: { auc },
    lineage: {
      datasetUri: `s3://data/churn/${version}`,
      datasetVersion: version,
      codeCommit: randomBytes(4).toString('hex'),
      trainingJobName: `${group}-train-${version}`,
      hyperparameters: { max_depth: 6 },
    },
    deployment: {
      productionEndpointName: `${group}-prod`,
      canarySteps: [10, 50, 100],
      bakeSeconds,
      watchSeconds: extra.watchSeconds ?? 0,
      ...(extra.shadow ? { shadow: extra.shadow } : {}),
      healthCheckIntervalSeconds: 2,
      endpointPollSeconds: 1,
      health: { metricPeriodSeconds, minInvocations: 20, maxWaitForEvidenceSeconds: 60, maxErrorRate: 0.05 },
    },
  };
}

function progressLine(s: LifecycleState): string {
  const c = s.canary;
  const verdict = s.verdicts.at(-1);
  // Before the canary starts (the shadow stage, or a shadow that rejected the version) the weights
  // say nothing: what matters is the copy of traffic the shadow sees.
  const inShadow =
    s.shadow &&
    !s.shadow.skipped &&
    (s.stage === 'shadow' || s.stage === 'shadow-rejected' || s.rollback?.cause === 'shadow');
  const canary = inShadow
    ? ` shadow: a copy of ${s.shadow?.trafficPercent}% of production traffic, answering nobody`
    : c
      ? ` canary ${String(c.canaryWeight).padStart(3)}% (step ${c.stepIndex + 1}/${c.steps.length})`
      : '';
  const health = verdict
    ? ` health ${verdict.status}: canary ${(verdict.canary.errorRate * 100).toFixed(1)}% 5xx over ${verdict.canary.invocations} calls`
    : '';
  return `  ${s.stage.padEnd(18)}${canary}${health}`;
}

async function runVersion(
  api: DemoApi,
  group: string,
  label: string,
  environment: Record<string, string>,
  auc: number,
  extra: Extra = {},
) {
  console.log(`\n▶ ${label}`);
  const started = await api.call<{ id: string }>(
    'pipeline',
    'POST',
    '/model-versions',
    requestFor(group, label, environment, auc, extra),
  );
  if (started.status >= 300) throw new Error(`start failed: ${JSON.stringify(started.body)}`);
  const id = started.body.id;
  console.log(`  started ${id} (HTTP ${started.status})`);
  let approved = false;
  let last = '';
  for (;;) {
    const { body: s } = await api.call<LifecycleState>('viewer', 'GET', `/model-versions/${id}`);
    const line = progressLine(s);
    if (line !== last) {
      console.log(line);
      last = line;
    }
    if (s.stage === 'awaiting-approval' && !approved) {
      const res = await api.call('approver', 'POST', `/model-versions/${id}/approve`, {
        comment: `${label}: metrics reviewed`,
      });
      console.log(`  approved by the approver (HTTP ${res.status})`);
      approved = true;
    }
    if (isFinalStage(s.stage)) return s;
    await sleep(1000);
  }
}

/** Follows a revert (operator, watch or withdrawal) to its end, printing its stages. */
async function followRevert(api: DemoApi, endpointName: string, id: string): Promise<RevertState> {
  let last = '';
  for (;;) {
    const { body: r } = await api.call<RevertState>(
      'viewer',
      'GET',
      `/endpoints/${endpointName}/reverts/${encodeURIComponent(id)}`,
    );
    const versions = r.from && r.to ? `v${r.from.modelVersion} → v${r.to.modelVersion}` : 'planning';
    const line = `  ${r.stage.padEnd(18)} ${versions} (${r.cause}, by ${r.by}: ${r.reason})`;
    if (line !== last) console.log((last = line));
    if (!['waiting-for-endpoint', 'reverting', 'needs-attention'].includes(r.stage)) return r;
    await sleep(1000);
  }
}

async function showProduction(api: DemoApi, endpointName: string, title: string): Promise<void> {
  const { body: endpoint } = await api.call<ServingLineage>('viewer', 'GET', `/endpoints/${endpointName}`);
  console.log(`\n■ ${title}`);
  for (const v of endpoint.variants ?? []) {
    console.log(
      `  ${endpoint.endpointName}: version ${v.modelVersion ?? '?'} (${v.variantName}), approved by ${v.approvedBy ?? '?'}, dataset ${v.lineage?.datasetUri ?? '?'}, commit ${v.lineage?.codeCommit ?? '?'}`,
    );
  }
}

function whyNotServing(label: string, s: LifecycleState): void {
  console.log(`\n■ Why ${label} is not serving: ${s.stage}`);
  const reasons = s.rollback?.evidence?.reasons ?? [];
  if (reasons.length === 0) console.log(`  ${s.rollback?.reason ?? s.outcome ?? 'no rollback recorded'}`);
  for (const reason of reasons) console.log(`  - ${reason}`);
}

async function main(): Promise<void> {
  const api = await connectDemoApi();
  const group = `churn-demo-${Date.now().toString(36)}`;
  const endpointName = `${group}-prod`;
  const good = (latencyMs: number) => ({ EMULATOR_ERROR_RATE: '0', EMULATOR_LATENCY_MS: String(latencyMs) });
  const crashesOnMissingFeature = { EMULATOR_FAIL_ON_INPUT_CONTAINING: 'null', EMULATOR_LATENCY_MS: '40' };
  console.log(`Demo on model package group ${group}, endpoint ${endpointName}`);
  await runVersion(api, group, 'v1', good(40), 0.88);
  await runVersion(api, group, 'v2', good(35), 0.91, { watchSeconds: 10 });
  await showProduction(api, endpointName, 'Production after v2');

  console.log('\n▶ revert: an operator puts the endpoint back on the version that served before');
  const revert = await api.call<{ id: string }>('operator', 'POST', `/endpoints/${endpointName}/revert`, {
    reason: 'demo: v2 under investigation',
  });
  if (revert.status !== 202) throw new Error(`revert refused: ${JSON.stringify(revert.body)}`);
  await followRevert(api, endpointName, revert.body.id);
  await showProduction(api, endpointName, 'Production after the revert');

  const v3 = await runVersion(api, group, 'v3', good(38), 0.92);
  console.log('\n▶ withdraw v3: the registry rejects the serving version after its release');
  const withdrawal = await api.call<{ withdrawn?: string; revert?: { id: string }; ignored?: string }>(
    'approver',
    'POST',
    `/model-versions/${v3.workflowId}/withdraw`,
    { reason: 'demo: training data found to include test rows' },
  );
  console.log(
    `  ${JSON.stringify({ withdrawn: withdrawal.body.withdrawn, ignored: withdrawal.body.ignored })}`,
  );
  if (withdrawal.body.revert) await followRevert(api, endpointName, withdrawal.body.revert.id);
  await showProduction(api, endpointName, 'Production after the withdrawal');

  const v4 = await runVersion(api, group, 'v4', crashesOnMissingFeature, 0.93);
  whyNotServing('v4', v4);
  const v5 = await runVersion(api, group, 'v5', crashesOnMissingFeature, 0.93, {
    shadow: { trafficPercent: 100, bakeSeconds },
  });
  whyNotServing('v5 (shadow: no user was ever served by it)', v5);
  await showProduction(api, endpointName, 'Production now');
}

main().catch((err: Error) => {
  console.error(`demo: ${err.message}`);
  process.exit(1);
});
