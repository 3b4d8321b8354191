/**
 * `npm run demo`: the product's story through the public API against the running local stack.
 *   v1: first deployment of a new endpoint.
 *   v2: a good model, approved, canary 10 → 50 → 100 %, promoted.
 *   v3: a bad model, approved, rolled back automatically at 10 %: it crashes on inputs with a missing
 *       feature, which its clean sample payload passes in staging and a quarter of real users send.
 * Short bakes and a 1 s metric period (DEMO_METRIC_PERIOD_SECONDS) keep it to a few minutes.
 */
import { randomBytes } from 'node:crypto';
import type { ServingLineage } from '../src/shared/activity-contracts';
import { isFinalStage, type LifecycleState } from '../src/shared/lifecycle-state';
import { connectDemoApi, type DemoApi } from './demo-client';

const metricPeriodSeconds = Number(process.env.DEMO_METRIC_PERIOD_SECONDS ?? 1);
const bakeSeconds = Number(process.env.DEMO_BAKE_SECONDS ?? 8);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function requestFor(group: string, version: string, environment: Record<string, string>, auc: number) {
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
      healthCheckIntervalSeconds: 2,
      endpointPollSeconds: 1,
      health: { metricPeriodSeconds, minInvocations: 20, maxWaitForEvidenceSeconds: 60, maxErrorRate: 0.05 },
    },
  };
}

function progressLine(s: LifecycleState): string {
  const c = s.canary;
  const verdict = s.verdicts.at(-1);
  const canary = c
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
) {
  console.log(`\n▶ ${label}`);
  const started = await api.call<{ id: string }>(
    'pipeline',
    'POST',
    '/model-versions',
    requestFor(group, label, environment, auc),
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

async function main(): Promise<void> {
  const api = await connectDemoApi();
  const group = `churn-demo-${Date.now().toString(36)}`;
  console.log(`Demo on model package group ${group}, endpoint ${group}-prod`);
  await runVersion(api, group, 'v1', { EMULATOR_ERROR_RATE: '0', EMULATOR_LATENCY_MS: '40' }, 0.88);
  await runVersion(api, group, 'v2', { EMULATOR_ERROR_RATE: '0', EMULATOR_LATENCY_MS: '35' }, 0.91);
  const v3 = await runVersion(
    api,
    group,
    'v3',
    { EMULATOR_FAIL_ON_INPUT_CONTAINING: 'null', EMULATOR_LATENCY_MS: '40' },
    0.93,
  );

  const { body: endpoint } = await api.call<ServingLineage>('viewer', 'GET', `/endpoints/${group}-prod`);
  console.log('\n■ Production now');
  for (const v of endpoint.variants ?? []) {
    console.log(
      `  ${endpoint.endpointName}: version ${v.modelVersion ?? '?'} (${v.variantName}), approved by ${v.approvedBy ?? '?'}, dataset ${v.lineage?.datasetUri ?? '?'}, commit ${v.lineage?.codeCommit ?? '?'}`,
    );
  }
  console.log(`\n■ Why v3 is not serving: ${v3.stage}`);
  const reasons = v3.rollback?.evidence?.reasons ?? [];
  if (reasons.length === 0) console.log(`  ${v3.rollback?.reason ?? v3.outcome ?? 'no rollback recorded'}`);
  for (const reason of reasons) console.log(`  - ${reason}`);
}

main().catch((err: Error) => {
  console.error(`demo: ${err.message}`);
  process.exit(1);
});
