/**
 * An in-memory SageMaker behind the LifecycleActivities contract, for workflow and API tests that
 * exercise the workflow's decisions rather than the AWS wire (the emulator's end-to-end tests do that).
 *
 * It keeps packages, models, endpoint configs and endpoints with variant weights, logs every call,
 * and answers `watchHealth` from a per-endpoint script so a test decides each bake's verdict.
 * The endpoint lock uses the real lock activities when a Temporal client is given.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import { createEndpointLockActivities } from '../../activities/endpoint-lock';
import {
  ErrorTypes,
  type HealthVerdict,
  type LifecycleActivities,
  type LifecycleNotification,
  type VariantSpec,
  type WatchHealthInput,
} from '../../src/shared/activity-contracts';

/**
 * A bake's scripted outcome: a verdict at once, 'slow-healthy' after 2 s, or 'hold' (the watch
 * runs until it is cancelled).
 */
export type ScriptedVerdict = HealthVerdict['status'] | 'slow-healthy' | 'hold';

export interface FakePackage {
  arn: string;
  group: string;
  version: number;
  status: string;
  description?: string;
  metrics: Record<string, number>;
  serving?: string;
  /** The endpoint a promotion or revert moved away from it (RetiredFrom). */
  retiredFrom?: string;
}

type FakeVariant = { variantName: string; modelName: string; weight: number; instanceCount: number };

export interface FakeEndpoint {
  configName: string;
  variants: FakeVariant[];
  /** ShadowProductionVariants, when the config has them. */
  shadowVariants?: FakeVariant[];
}

/** A failure mode: which calls fail and how. */
export interface FaultSpec {
  /** Only calls whose input this accepts (default: every call). */
  when?: (input: never) => boolean;
  /** How many calls fail before the fault clears itself (default: until removed). */
  times?: number;
  /** A retryable failure (throttling, 5xx) instead of a non-retryable ValidationException. */
  retryable?: boolean;
  message?: string;
}

export interface FakeSageMaker {
  activities: LifecycleActivities;
  calls: { name: string; input: unknown }[];
  packages: Map<string, FakePackage>;
  endpoints: Map<string, FakeEndpoint>;
  models: Map<string, string>;
  notifications: LifecycleNotification[];
  /** Verdicts for the bakes on an endpoint, in order; the last one repeats. */
  scriptVerdicts(endpointName: string, verdicts: ScriptedVerdict[]): void;
  /** How the post-promotion watch on an endpoint ends (default: healthy at once); 'hold' runs until cancelled. */
  scriptWatch(endpointName: string, result: 'healthy' | 'unhealthy' | 'superseded' | 'hold'): void;
  /** Validation fails on staging endpoints whose name starts with `prefix` (default: passes). */
  failValidation(prefix: string, reason: string): void;
  /** An endpoint already serving a previous version of `group`, as before a canary. */
  seedProduction(
    endpointName: string,
    group: string,
    metrics?: Record<string, number>,
    instanceCount?: number,
  ): FakePackage;
  callsTo(name: keyof LifecycleActivities): unknown[];
  /** Makes calls to `name` fail as AWS would; returns a function that removes the fault. */
  fail(name: keyof LifecycleActivities, fault?: FaultSpec): () => void;
  /** How many calls each fault has failed. */
  failures: { name: string; input: unknown }[];
}

export function createFakeSageMaker(
  options: { temporal?: { client: Client; taskQueue: string; lockLivenessCheckSeconds?: number } } = {},
): FakeSageMaker {
  const calls: { name: string; input: unknown }[] = [];
  const packages = new Map<string, FakePackage>();
  const byToken = new Map<string, string>();
  const endpoints = new Map<string, FakeEndpoint>();
  const configs = new Map<string, { variants: VariantSpec[]; shadowVariants: VariantSpec[] }>();
  const models = new Map<string, string>();
  const notifications: LifecycleNotification[] = [];
  const scripts = new Map<string, ScriptedVerdict[]>();
  const bakes = new Map<string, number>();
  const validationFailures = new Map<string, string>();
  const watchScripts = new Map<string, 'healthy' | 'unhealthy' | 'superseded' | 'hold'>();
  const faults = new Map<string, (FaultSpec & { left: number })[]>();
  const failures: { name: string; input: unknown }[] = [];
  const lock = options.temporal ? createEndpointLockActivities({ temporal: options.temporal }) : undefined;

  const register = (group: string, metrics: Record<string, number>): FakePackage => {
    const version = [...packages.values()].filter((p) => p.group === group).length + 1;
    const arn = `arn:aws:sagemaker:us-east-1:000000000000:model-package/${group}/${version}`;
    const pkg: FakePackage = { arn, group, version, status: 'PendingManualApproval', metrics };
    packages.set(arn, pkg);
    return pkg;
  };

  const verdict = (input: WatchHealthInput, status: HealthVerdict['status']): HealthVerdict => {
    const variant = (variantName: string) => ({
      variantName,
      invocations: 500,
      errors5xx: status === 'unhealthy' ? 100 : 0,
      errors4xx: 0,
      errorRate: status === 'unhealthy' ? 0.2 : 0,
      rate4xx: 0,
      latencyMs: 20,
    });
    return {
      at: new Date().toISOString(),
      endpointName: input.endpointName,
      canaryWeight: input.canaryWeight,
      status,
      reasons: status === 'unhealthy' ? ['canary 5xx rate 20.0% over the 5.0% limit'] : [],
      canary: variant(input.canaryVariant),
      ...(input.stableVariant ? { stable: variant(input.stableVariant) } : {}),
      alarmsInAlarm: [],
      windowStart: new Date(input.sinceEpochMs).toISOString(),
      windowEnd: new Date().toISOString(),
      checks: 1,
    };
  };

  const impl: LifecycleActivities = {
    async registerModelVersion(input) {
      const existing = byToken.get(input.workflowId);
      const pkg = existing ? packages.get(existing)! : register(input.modelPackageGroup, input.metrics);
      byToken.set(input.workflowId, pkg.arn);
      return { modelPackageArn: pkg.arn, modelVersion: pkg.version };
    },
    async describeVersionMetrics(arn) {
      const pkg = packages.get(arn);
      if (!pkg) throw ApplicationFailure.nonRetryable(`no model package ${arn}`, ErrorTypes.NotFound);
      return { modelPackageArn: arn, modelVersion: pkg.version, metrics: pkg.metrics };
    },
    async recordApprovalDecision({ modelPackageArn, status, description }) {
      const pkg = packages.get(modelPackageArn)!;
      pkg.status = status;
      pkg.description = description;
    },
    async describeEndpoint(name) {
      const e = endpoints.get(name);
      if (!e) return null;
      const serving = (v: FakeVariant) => {
        const arn = models.get(v.modelName);
        const pkg = arn ? packages.get(arn) : undefined;
        return {
          ...v,
          ...(arn ? { modelPackageArn: arn } : {}),
          ...(pkg ? { approvalStatus: pkg.status } : {}),
          markedServing: pkg?.serving === name,
        };
      };
      return {
        endpointName: name,
        status: 'InService',
        endpointConfigName: e.configName,
        variants: e.variants.map(serving),
        ...(e.shadowVariants?.length ? { shadowVariants: e.shadowVariants.map(serving) } : {}),
      };
    },
    async createModelFromPackage({ modelName, modelPackageArn }) {
      models.set(modelName, modelPackageArn);
    },
    async createEndpointConfig({ endpointConfigName, variants, shadowVariants = [] }) {
      configs.set(endpointConfigName, { variants, shadowVariants });
    },
    async deployEndpointConfig({ endpointName, endpointConfigName }) {
      const config = configs.get(endpointConfigName);
      if (!config) throw new Error(`no endpoint config ${endpointConfigName}`);
      const existing = endpoints.get(endpointName);
      if (existing?.configName === endpointConfigName) return 'unchanged';
      const live = (v: VariantSpec): FakeVariant => ({
        variantName: v.variantName,
        modelName: v.modelName,
        weight: v.initialWeight,
        instanceCount: v.initialInstanceCount,
      });
      endpoints.set(endpointName, {
        configName: endpointConfigName,
        variants: config.variants.map(live),
        ...(config.shadowVariants.length ? { shadowVariants: config.shadowVariants.map(live) } : {}),
      });
      return existing ? 'updated' : 'created';
    },
    async awaitEndpointInService({ endpointName }) {
      return (await impl.describeEndpoint(endpointName))!;
    },
    async setVariantWeights({ endpointName, weights, instanceCounts = {} }) {
      const endpoint = endpoints.get(endpointName)!;
      const unknown = Object.keys(weights).filter((n) => !endpoint.variants.some((v) => v.variantName === n));
      if (unknown.length) {
        throw ApplicationFailure.nonRetryable(`no variant ${unknown.join(', ')}`, ErrorTypes.Validation);
      }
      for (const v of endpoint.variants) {
        v.weight = weights[v.variantName] ?? v.weight;
        v.instanceCount = instanceCounts[v.variantName] ?? v.instanceCount;
      }
    },
    async validateEndpoint({ endpointName, payloads, latencyBudgetMs }) {
      const prefix = [...validationFailures.keys()].find((p) => endpointName.startsWith(p));
      const failure = prefix ? validationFailures.get(prefix) : undefined;
      return {
        endpointName,
        passed: !failure,
        budgetMs: latencyBudgetMs,
        maxLatencyMs: 12,
        results: payloads.map((_, index) => ({
          index,
          ok: !failure,
          latencyMs: 12,
          ...(failure ? { error: failure } : {}),
        })),
        failures: failure ? [failure] : [],
      };
    },
    async watchHealth(input) {
      const n = bakes.get(input.endpointName) ?? 0;
      bakes.set(input.endpointName, n + 1);
      const script = scripts.get(input.endpointName) ?? ['healthy'];
      const scripted = script[Math.min(n, script.length - 1)]!;
      if (scripted === 'hold') {
        // Heartbeats carry the cancellation to the activity; stay until cancelled.
        for (;;) {
          Context.current().heartbeat();
          await Context.current().sleep(200);
        }
      }
      if (scripted === 'slow-healthy') {
        await Context.current().sleep(2000);
        return verdict(input, 'healthy');
      }
      return verdict(input, scripted);
    },
    async deleteEndpoint(name) {
      endpoints.delete(name);
    },
    async deleteEndpointConfig(name) {
      configs.delete(name);
    },
    async deleteModel(name) {
      models.delete(name);
    },
    async markServing({ modelPackageArn, endpointName, replacedModelPackageArn }) {
      packages.get(modelPackageArn)!.serving = endpointName;
      delete packages.get(modelPackageArn)!.retiredFrom;
      if (replacedModelPackageArn && packages.has(replacedModelPackageArn)) {
        delete packages.get(replacedModelPackageArn)!.serving;
        packages.get(replacedModelPackageArn)!.retiredFrom = endpointName;
      }
    },
    async watchPromoted(input) {
      const scripted = watchScripts.get(input.endpointName) ?? 'healthy';
      const limits = { maxErrorRate: 0.001, maxLatencyMs: 100 };
      if (scripted === 'hold') {
        for (;;) {
          Context.current().heartbeat();
          await Context.current().sleep(200);
        }
      }
      if (scripted === 'superseded') return { status: 'superseded', checks: 1, reason: 'scripted', limits };
      const v = verdict(
        {
          endpointName: input.endpointName,
          canaryVariant: input.variantName,
          canaryWeight: 100,
          sinceEpochMs: input.sinceEpochMs,
          bakeSeconds: input.watchSeconds,
          intervalSeconds: input.intervalSeconds,
          policy: input.policy,
        },
        scripted,
      );
      return { status: scripted, checks: 1, verdict: v, limits };
    },
    async planRevert({ endpointName, toVersion }) {
      const noTarget = (m: string) => ApplicationFailure.nonRetryable(m, ErrorTypes.NoRevertTarget);
      const e = endpoints.get(endpointName);
      if (!e) throw noTarget(`no endpoint named "${endpointName}"`);
      const [serving, ...others] = e.variants;
      const fromPkg = serving ? packages.get(models.get(serving.modelName) ?? '') : undefined;
      if (!serving || others.length || !fromPkg)
        throw ApplicationFailure.nonRetryable(
          `${endpointName} is not on one version`,
          ErrorTypes.NoStableVersion,
        );
      const group = [...packages.values()].filter((p) => p.group === fromPkg.group && p !== fromPkg);
      const target =
        toVersion !== undefined
          ? group.find((p) => p.version === toVersion && p.status === 'Approved')
          : group.filter((p) => p.status === 'Approved' && p.retiredFrom === endpointName).at(-1);
      if (!target) throw noTarget(`nothing of ${fromPkg.group} to revert to`);
      const modelName = [...models.entries()].find(([, arn]) => arn === target.arn)?.[0];
      if (!modelName) throw noTarget(`the model of v${target.version} was pruned`);
      return {
        endpointName,
        modelPackageGroup: fromPkg.group,
        instanceType: 'ml.m5.large',
        from: {
          modelPackageArn: fromPkg.arn,
          modelVersion: fromPkg.version,
          modelName: serving.modelName,
          variantName: serving.variantName,
          instanceCount: serving.instanceCount,
        },
        to: { modelPackageArn: target.arn, modelVersion: target.version, modelName },
      };
    },
    async pruneRetiredModels() {
      return { deleted: [], retained: [] };
    },
    async assessDetectability(input) {
      return {
        requestsPerSecond: 5,
        stableErrorRate: 0.01,
        latencyP50Ms: 20,
        latencyP99Ms: 80,
        perStep: input.canarySteps.map((canaryWeight) => ({
          canaryWeight,
          expectedCanaryRequests: 5 * input.bakeSeconds * (canaryWeight / 100),
          expectedStableRequests: 5 * input.bakeSeconds * (1 - canaryWeight / 100),
          minDetectableErrorRatio: null,
          minDetectableSlowdown: null,
          minDetectableErrorRateOverLimit: null,
          alphaPerTest: {},
        })),
        warning: 'at 5 req/s a 1 s bake cannot show a doubled error rate',
      };
    },
    // Strategy guardrails: SageMaker's deployment always succeeds here (the emulator tests its rollback).
    async createRollbackAlarms({ alarmPrefix }) {
      return [`${alarmPrefix}-5xx-rate`, `${alarmPrefix}-latency-p99`];
    },
    async deleteAlarms() {},
    async startGuardedUpdate({ endpointName, endpointConfigName }) {
      const result = await impl.deployEndpointConfig({
        endpointName,
        endpointConfigName,
        owner: { lifecycleId: '', modelPackageGroup: '' },
      });
      return result === 'unchanged' ? 'unchanged' : 'updated';
    },
    async followGuardedUpdate({ endpointName }) {
      return { outcome: 'deployed', endpointConfigName: endpoints.get(endpointName)!.configName };
    },
    async pinToBuild() {
      return 'unversioned' as const;
    },
    async notify(notification) {
      notifications.push(notification);
    },
    async describeServingLineage() {
      return null;
    },
    async requestEndpointLock(input) {
      if (!lock) throw new Error('the fake needs a Temporal client for the endpoint lock');
      await lock.requestEndpointLock(input);
    },
    async releaseEndpointLock(input) {
      await lock?.releaseEndpointLock(input);
    },
    async describeLockHolder(input) {
      if (!lock) throw new Error('the fake needs a Temporal client for the endpoint lock');
      return lock.describeLockHolder(input);
    },
    async findEndpointLockUsers(input) {
      if (!lock) throw new Error('the fake needs a Temporal client for the endpoint lock');
      return lock.findEndpointLockUsers(input);
    },
  };

  const injectedFailure = (name: string, input: unknown): Error | undefined => {
    const fault = faults.get(name)?.find((f) => f.left > 0 && (!f.when || f.when(input as never)));
    if (!fault) return undefined;
    fault.left -= 1;
    failures.push({ name, input });
    const message = fault.message ?? `${name}: injected failure`;
    return fault.retryable
      ? ApplicationFailure.retryable(message, 'AwsTransient')
      : ApplicationFailure.nonRetryable(message, ErrorTypes.Validation);
  };

  // Log every call with its input, so tests can assert order and shapes; injected faults fail it.
  const activities = Object.fromEntries(
    Object.entries(impl).map(([name, fn]) => [
      name,
      async (input: unknown) => {
        calls.push({ name, input });
        const failure = injectedFailure(name, input);
        if (failure) throw failure;
        return (fn as (i: unknown) => Promise<unknown>)(input);
      },
    ]),
  ) as unknown as LifecycleActivities;

  return {
    activities,
    calls,
    packages,
    endpoints,
    models,
    notifications,
    scriptVerdicts: (endpointName, verdicts) => void scripts.set(endpointName, verdicts),
    failValidation: (prefix, reason) => void validationFailures.set(prefix, reason),
    scriptWatch: (endpointName, result) => void watchScripts.set(endpointName, result),
    seedProduction(endpointName, group, metrics = { auc: 0.8 }, instanceCount = 1) {
      const pkg = register(group, metrics);
      pkg.status = 'Approved';
      pkg.serving = endpointName;
      const modelName = `${group}-v${pkg.version}-seed`;
      models.set(modelName, pkg.arn);
      endpoints.set(endpointName, {
        configName: `${endpointName}-seed`,
        variants: [{ variantName: `v${pkg.version}`, modelName, weight: 1, instanceCount }],
      });
      return pkg;
    },
    callsTo: (name) => calls.filter((c) => c.name === name).map((c) => c.input),
    fail(name, fault = {}) {
      const entry = { ...fault, left: fault.times ?? Number.POSITIVE_INFINITY };
      faults.set(name, [...(faults.get(name) ?? []), entry]);
      return () =>
        void faults.set(
          name,
          (faults.get(name) ?? []).filter((f) => f !== entry),
        );
    },
    failures,
  };
}
