/**
 * Models, endpoint configs and endpoints. Endpoints move Creating → InService and Updating →
 * InService after configurable delays; while an update is pending the old variants keep serving, as
 * on SageMaker. Transitions are settled lazily from the clock whenever an endpoint is looked at, so
 * the emulator needs no timers and a test's clock is the only source of time.
 *
 * Shadow variants (`ShadowProductionVariants`): a config with one production variant may carry one
 * shadow variant; the endpoint deploys both, the shadow receives a copy of production requests and
 * answers nobody (runtime/invocations.ts).
 */
import { constraint, validation } from '../aws-error';
import { sageMakerArn, type EmulatorContext } from '../context';
import { behaviourFromEnvironment, type ModelBehaviour } from '../runtime/model-behaviour';
import {
  checkName,
  compact,
  epochSeconds,
  paginate,
  sortBy,
  type Input,
  type Json,
  type Page,
} from '../wire';
import { blueGreenPlan, greenShare, type BlueGreenPlan } from './blue-green';
import type { ModelRegistry } from './model-registry';
import { tagsOf, type Tag, type Taggable } from './tags';

export interface Model {
  name: string;
  arn: string;
  seq: number;
  createdAt: number;
  executionRoleArn?: string;
  primaryContainer?: Json;
  containers?: Json[];
  /** The container environment the model runs with: its package's, then its own on top. */
  environment: Record<string, string>;
  /** Optional so state files written before tags were kept still load. */
  tags?: Tag[];
}

export interface VariantConfig {
  VariantName: string;
  ModelName: string;
  InitialInstanceCount: number;
  InstanceType?: string;
  InitialVariantWeight: number;
}

export interface EndpointConfig {
  name: string;
  arn: string;
  seq: number;
  createdAt: number;
  variants: VariantConfig[];
  /** Optional so state files written before shadow variants were emulated still load. */
  shadowVariants?: VariantConfig[];
  tags?: Tag[];
}

/** A variant as deployed: the model's environment is fixed at deployment, as a container image would be. */
export interface LiveVariant {
  variantName: string;
  modelName: string;
  environment: Record<string, string>;
  currentWeight: number;
  desiredWeight: number;
  instanceCount: number;
  instanceType?: string;
}

/** A deployment in progress: its variants, and a failure already known when it was asked for. */
interface Deployment {
  readyAt: number;
  startedAt: number;
  configName: string;
  variants: LiveVariant[];
  shadowVariants: LiveVariant[];
  failure?: string;
  /** UpdateEndpoint with a DeploymentConfig: green is ready at `readyAt`, then traffic shifts by the plan. */
  blueGreen?: BlueGreenPlan;
}

type Pending =
  | ({ kind: 'create' } & Deployment)
  | ({ kind: 'update' } & Deployment)
  | { kind: 'weights'; readyAt: number; startedAt: number }
  /** An alarm stopped a blue/green update: traffic is back on blue, the endpoint returns to InService. */
  | { kind: 'rollback'; readyAt: number; startedAt: number; reason: string };

export interface Endpoint {
  name: string;
  arn: string;
  seq: number;
  createdAt: number;
  modifiedAt: number;
  configName: string;
  status: 'Creating' | 'Updating' | 'RollingBack' | 'InService' | 'Failed';
  variants: LiveVariant[];
  /** Shadow variants as deployed: they receive copies of production requests. Optional for old state files. */
  shadowVariants?: LiveVariant[];
  pending?: Pending;
  failureReason?: string;
  /** The DeploymentConfig of the last update that had one (DescribeEndpoint's LastDeploymentConfig). */
  lastDeploymentConfig?: Json;
  tags?: Tag[];
}

/** An endpoint that answers invocations: deployed, and InService or still serving while it updates. */
export function isServing(e: Endpoint): boolean {
  return (
    e.variants.length > 0 &&
    (e.status === 'InService' || e.status === 'Updating' || e.status === 'RollingBack')
  );
}

export interface HostingData {
  seq: number;
  models: Record<string, Model>;
  configs: Record<string, EndpointConfig>;
  endpoints: Record<string, Endpoint>;
  /** Behaviour changes made through the control API, by model name; they win over the environment. */
  behaviourOverrides: Record<string, Partial<ModelBehaviour>>;
}

export function emptyHosting(): HostingData {
  return { seq: 0, models: {}, configs: {}, endpoints: {}, behaviourOverrides: {} };
}

export interface HostingDelays {
  createDelayMs: number;
  updateDelayMs: number;
}

const ORDER = ['Ascending', 'Descending'] as const;

/**
 * ListModels' and ListEndpointConfigs' common semantics: NameContains, CreationTimeAfter/Before,
 * SortBy Name or CreationTime, SortOrder (Descending by default), pages of 10 up to 100.
 */
function listNamed<T extends { name: string; seq: number; createdAt: number }>(
  items: T[],
  input: Input,
  tokenKind: string,
): Page<T> {
  const contains = input.str('NameContains');
  const after = input.time('CreationTimeAfter');
  const before = input.time('CreationTimeBefore');
  const sortField = input.oneOf('SortBy', ['Name', 'CreationTime'] as const) ?? 'CreationTime';
  const order = input.oneOf('SortOrder', ORDER) ?? 'Descending';
  const matching = items.filter(
    (x) =>
      (!contains || x.name.includes(contains)) &&
      (after === undefined || x.createdAt > after) &&
      (before === undefined || x.createdAt < before),
  );
  const sorted = sortBy(matching, (x) => (sortField === 'Name' ? x.name : x.seq), order);
  return paginate(sorted, input, { defaultMax: 10, limit: 100, tokenKind });
}

export class Hosting {
  /** Which of the named alarms are in ALARM now (set by the emulator once CloudWatch exists). */
  private alarmsInAlarm: (names: string[]) => string[] = () => [];

  constructor(
    private readonly ctx: EmulatorContext,
    private readonly data: HostingData,
    private readonly registry: ModelRegistry,
    private readonly delays: HostingDelays,
  ) {}

  /** Blue/green updates roll back when one of their alarms is in ALARM: how to know. */
  watchAlarms(inAlarm: (names: string[]) => string[]): void {
    this.alarmsInAlarm = inAlarm;
  }

  /** The model, endpoint config or endpoint with this (lower-cased) ARN, for the tag operations. */
  findTaggable(arn: string): Taggable | undefined {
    const all: { arn: string; tags?: Tag[] }[] = [
      ...Object.values(this.data.models),
      ...Object.values(this.data.configs),
      ...Object.values(this.data.endpoints),
    ];
    return all.find((r) => r.arn === arn);
  }

  // ---- models ----

  private containerEnvironment(container: Json | undefined): Record<string, string> {
    if (!container) return {};
    const pkg = container.ModelPackageName;
    const fromPackage = typeof pkg === 'string' ? this.registry.packageEnvironment(pkg) : {};
    return { ...fromPackage, ...((container.Environment as Record<string, string> | undefined) ?? {}) };
  }

  createModel(input: Input): Json {
    const name = checkName('ModelName', input.requiredStr('ModelName'));
    const primary = input.object('PrimaryContainer');
    const containers = input.list('Containers');
    if (!primary && containers.length === 0) {
      throw validation('Either PrimaryContainer or Containers must be specified');
    }
    const arn = sageMakerArn(this.ctx, 'model', name);
    const tags = tagsOf(input);
    if (this.data.models[name]) throw validation(`Cannot create already existing model "${arn}".`);
    const environment = this.containerEnvironment(primary ?? containers[0]);
    behaviourFromEnvironment(environment); // a typo in EMULATOR_* fails here, with the variable named
    this.data.models[name] = {
      name,
      arn,
      seq: ++this.data.seq,
      createdAt: this.ctx.now(),
      executionRoleArn: input.str('ExecutionRoleArn'),
      ...(primary ? { primaryContainer: primary } : { containers }),
      environment,
      tags,
    };
    return { ModelArn: arn };
  }

  private model(name: string): Model {
    const model = this.data.models[name];
    if (!model) throw validation(`Could not find model "${sageMakerArn(this.ctx, 'model', name)}".`);
    return model;
  }

  hasModel(name: string): boolean {
    return name in this.data.models;
  }

  describeModel(input: Input): Json {
    const m = this.model(input.requiredStr('ModelName'));
    return compact({
      ModelName: m.name,
      ModelArn: m.arn,
      ExecutionRoleArn: m.executionRoleArn,
      PrimaryContainer: m.primaryContainer,
      Containers: m.containers,
      CreationTime: epochSeconds(m.createdAt),
    });
  }

  listModels(input: Input): Json {
    const page = listNamed(Object.values(this.data.models), input, 'models');
    return compact({
      Models: page.items.map((m) => ({
        ModelName: m.name,
        ModelArn: m.arn,
        CreationTime: epochSeconds(m.createdAt),
      })),
      NextToken: page.nextToken,
    });
  }

  deleteModel(input: Input): Json {
    const name = input.requiredStr('ModelName');
    this.model(name);
    // As on SageMaker, endpoints already serving the model keep running.
    delete this.data.models[name];
    delete this.data.behaviourOverrides[name];
    return {};
  }

  // ---- endpoint configs ----

  createEndpointConfig(input: Input): Json {
    const name = checkName('EndpointConfigName', input.requiredStr('EndpointConfigName'));
    const variants = input.list('ProductionVariants');
    if (variants.length < 1 || variants.length > 10) {
      throw constraint(
        'ProductionVariants',
        `${variants.length} variants`,
        'Member must have length between 1 and 10',
      );
    }
    const shadows = input.list('ShadowProductionVariants');
    if (shadows.length > 0 && (variants.length !== 1 || shadows.length !== 1)) {
      // SageMaker: with ShadowProductionVariants, exactly one production and one shadow variant.
      throw validation(
        'When ShadowProductionVariants is specified, ProductionVariants and ShadowProductionVariants must each have exactly one variant.',
      );
    }
    const seen = new Set<string>();
    const parseVariant = (v: Record<string, unknown>): VariantConfig => {
      const variantName = checkName('VariantName', typeof v.VariantName === 'string' ? v.VariantName : '');
      if (seen.has(variantName)) throw validation(`The variant name(s) [${variantName}] are not unique.`);
      seen.add(variantName);
      const modelName = typeof v.ModelName === 'string' ? v.ModelName : '';
      this.model(modelName);
      const weight = v.InitialVariantWeight === undefined ? 1 : Number(v.InitialVariantWeight);
      if (!Number.isFinite(weight) || weight < 0) {
        throw constraint(
          'InitialVariantWeight',
          v.InitialVariantWeight,
          'Member must have value greater than or equal to 0',
        );
      }
      return {
        VariantName: variantName,
        ModelName: modelName,
        InitialInstanceCount: Number(v.InitialInstanceCount ?? 1),
        ...(typeof v.InstanceType === 'string' ? { InstanceType: v.InstanceType } : {}),
        InitialVariantWeight: weight,
      };
    };
    const parsed = variants.map(parseVariant);
    const parsedShadows = shadows.map(parseVariant);
    const arn = sageMakerArn(this.ctx, 'endpoint-config', name);
    const tags = tagsOf(input);
    if (this.data.configs[name]) {
      throw validation(`Cannot create already existing endpoint configuration "${arn}".`);
    }
    this.data.configs[name] = {
      name,
      arn,
      seq: ++this.data.seq,
      createdAt: this.ctx.now(),
      variants: parsed,
      ...(parsedShadows.length ? { shadowVariants: parsedShadows } : {}),
      tags,
    };
    return { EndpointConfigArn: arn };
  }

  private config(name: string): EndpointConfig {
    const config = this.data.configs[name];
    if (!config) {
      throw validation(
        `Could not find endpoint configuration "${sageMakerArn(this.ctx, 'endpoint-config', name)}".`,
      );
    }
    return config;
  }

  describeEndpointConfig(input: Input): Json {
    const c = this.config(input.requiredStr('EndpointConfigName'));
    return {
      EndpointConfigName: c.name,
      EndpointConfigArn: c.arn,
      ProductionVariants: c.variants,
      ...(c.shadowVariants?.length ? { ShadowProductionVariants: c.shadowVariants } : {}),
      CreationTime: epochSeconds(c.createdAt),
    };
  }

  listEndpointConfigs(input: Input): Json {
    const page = listNamed(Object.values(this.data.configs), input, 'configs');
    return compact({
      EndpointConfigs: page.items.map((c) => ({
        EndpointConfigName: c.name,
        EndpointConfigArn: c.arn,
        CreationTime: epochSeconds(c.createdAt),
      })),
      NextToken: page.nextToken,
    });
  }

  deleteEndpointConfig(input: Input): Json {
    const name = input.requiredStr('EndpointConfigName');
    this.config(name);
    delete this.data.configs[name];
    return {};
  }

  // ---- endpoints ----

  /**
   * The variants a config deploys, each with its model's environment as it is now (a container image
   * is fixed at deployment); a model missing now fails the deployment when it completes.
   */
  private deployable(config: EndpointConfig): {
    variants: LiveVariant[];
    shadowVariants: LiveVariant[];
    failure?: string;
  } {
    const variants: LiveVariant[] = [];
    const shadowVariants: LiveVariant[] = [];
    const shadowNames = new Set((config.shadowVariants ?? []).map((v) => v.VariantName));
    for (const v of [...config.variants, ...(config.shadowVariants ?? [])]) {
      const model = this.data.models[v.ModelName];
      if (!model) {
        return {
          variants,
          shadowVariants,
          failure: `Could not find model "${sageMakerArn(this.ctx, 'model', v.ModelName)}".`,
        };
      }
      (shadowNames.has(v.VariantName) ? shadowVariants : variants).push({
        variantName: v.VariantName,
        modelName: v.ModelName,
        environment: model.environment,
        currentWeight: v.InitialVariantWeight,
        desiredWeight: v.InitialVariantWeight,
        instanceCount: v.InitialInstanceCount,
        ...(v.InstanceType ? { instanceType: v.InstanceType } : {}),
      });
    }
    return { variants, shadowVariants };
  }

  /** Why the deployment fails as it completes: read then, so a behaviour change in between counts. */
  private deploymentFailure(p: {
    variants: LiveVariant[];
    shadowVariants: LiveVariant[];
    failure?: string;
  }): string | undefined {
    if (p.failure) return p.failure;
    const failing = [...p.variants, ...p.shadowVariants].find((v) => this.behaviourOf(v).failDeployment);
    return failing
      ? `The primary container for production variant ${failing.variantName} did not pass the ping health check.`
      : undefined;
  }

  /** A blue/green update at this moment: provisioning, shifting and baking (alarms watched), or done. */
  private settleBlueGreen(e: Endpoint, p: Deployment & { blueGreen: BlueGreenPlan }): Endpoint {
    const now = this.ctx.now();
    if (now < p.readyAt) return e;
    const failure = this.deploymentFailure(p);
    const elapsed = now - p.readyAt;
    if (!failure && elapsed < p.blueGreen.bakedAtMs) {
      const alarming = this.alarmsInAlarm(p.blueGreen.alarms);
      if (alarming.length === 0) return e;
      e.status = 'RollingBack';
      e.modifiedAt = now;
      e.lastDeploymentConfig = p.blueGreen.config;
      e.pending = {
        kind: 'rollback',
        startedAt: now,
        readyAt: now + this.delays.updateDelayMs,
        reason: `Deployment was rolled back because the alarm(s) ${alarming.join(', ')} went into ALARM state.`,
      };
      return e;
    }
    if (!failure && elapsed < p.blueGreen.doneAtMs) return e; // termination wait: blue still up
    e.pending = undefined;
    e.status = 'InService';
    e.modifiedAt = failure ? p.readyAt : p.readyAt + p.blueGreen.doneAtMs;
    e.lastDeploymentConfig = p.blueGreen.config;
    if (failure) {
      e.failureReason = failure;
    } else {
      e.configName = p.configName;
      e.variants = p.variants;
      e.shadowVariants = p.shadowVariants;
      e.failureReason = undefined;
    }
    return e;
  }

  /** Where requests go now: by CurrentWeight, or split blue/green by the shift an update has reached. */
  routing(e: Endpoint): { variant: LiveVariant; weight: number }[] {
    const p = e.pending;
    const byWeight = (list: LiveVariant[], share: number) => {
      const total = list.reduce((n, v) => n + v.currentWeight, 0);
      return list.map((v) => ({ variant: v, weight: total > 0 ? (share * v.currentWeight) / total : 0 }));
    };
    if (p?.kind === 'update' && p.blueGreen && e.status === 'Updating' && this.ctx.now() >= p.readyAt) {
      const share = greenShare(p.blueGreen, this.ctx.now() - p.readyAt);
      return [...byWeight(e.variants, 1 - share), ...byWeight(p.variants, share)];
    }
    return e.variants.map((v) => ({ variant: v, weight: v.currentWeight }));
  }

  private settle(e: Endpoint): Endpoint {
    const p = e.pending;
    if (p?.kind === 'update' && p.blueGreen) return this.settleBlueGreen(e, { ...p, blueGreen: p.blueGreen });
    if (!p || this.ctx.now() < p.readyAt) return e;
    e.pending = undefined;
    e.modifiedAt = p.readyAt;
    if (p.kind === 'weights') {
      for (const v of e.variants) v.currentWeight = v.desiredWeight;
      e.status = 'InService';
      return e;
    }
    if (p.kind === 'rollback') {
      e.status = 'InService';
      e.failureReason = p.reason;
      return e;
    }
    const failure = this.deploymentFailure(p);
    if (p.kind === 'create') {
      if (failure) {
        e.status = 'Failed';
        e.failureReason = failure;
      } else {
        e.status = 'InService';
        e.variants = p.variants;
        e.shadowVariants = p.shadowVariants;
      }
      return e;
    }
    // An update that fails leaves the endpoint InService on its old config, with the reason.
    e.status = 'InService';
    if (failure) {
      e.failureReason = failure;
    } else {
      e.configName = p.configName;
      e.variants = p.variants;
      e.shadowVariants = p.shadowVariants;
      e.failureReason = undefined;
    }
    return e;
  }

  /** The endpoint with its pending transition settled; undefined when it does not exist. */
  findEndpoint(name: string): Endpoint | undefined {
    const e = this.data.endpoints[name];
    return e ? this.settle(e) : undefined;
  }

  allEndpoints(): Endpoint[] {
    return Object.values(this.data.endpoints).map((e) => this.settle(e));
  }

  private endpoint(name: string): Endpoint {
    const e = this.findEndpoint(name);
    if (!e) throw validation(`Could not find endpoint "${sageMakerArn(this.ctx, 'endpoint', name)}".`);
    return e;
  }

  private refuseWhileBusy(e: Endpoint, action: string): void {
    if (e.status === 'Creating' || e.status === 'Updating' || e.status === 'RollingBack') {
      throw validation(`Cannot ${action} in-progress endpoint "${e.arn}".`);
    }
  }

  behaviourOf(v: LiveVariant): ModelBehaviour {
    return { ...behaviourFromEnvironment(v.environment), ...this.data.behaviourOverrides[v.modelName] };
  }

  setBehaviourOverride(modelName: string, override: Partial<ModelBehaviour> | undefined): void {
    if (override)
      this.data.behaviourOverrides[modelName] = { ...this.data.behaviourOverrides[modelName], ...override };
    else delete this.data.behaviourOverrides[modelName];
  }

  behaviourOverrides(): Record<string, Partial<ModelBehaviour>> {
    return this.data.behaviourOverrides;
  }

  createEndpoint(input: Input): Json {
    const name = checkName('EndpointName', input.requiredStr('EndpointName'));
    const config = this.config(input.requiredStr('EndpointConfigName'));
    const arn = sageMakerArn(this.ctx, 'endpoint', name);
    const tags = tagsOf(input);
    if (this.data.endpoints[name]) throw validation(`Cannot create already existing endpoint "${arn}".`);
    const now = this.ctx.now();
    this.data.endpoints[name] = {
      name,
      arn,
      seq: ++this.data.seq,
      createdAt: now,
      modifiedAt: now,
      configName: config.name,
      status: 'Creating',
      variants: [],
      tags,
      pending: {
        kind: 'create',
        startedAt: now,
        readyAt: now + this.delays.createDelayMs,
        configName: config.name,
        ...this.deployable(config),
      },
    };
    return { EndpointArn: arn };
  }

  describeEndpoint(input: Input): Json {
    const e = this.endpoint(input.requiredStr('EndpointName'));
    const p = e.pending;
    const summary = (v: LiveVariant) =>
      compact({
        VariantName: v.variantName,
        DeployedImages: [],
        CurrentWeight: v.currentWeight,
        DesiredWeight: v.desiredWeight,
        CurrentInstanceCount: v.instanceCount,
        DesiredInstanceCount: v.instanceCount,
      });
    const pendingSummary = (v: LiveVariant, startedAt: number) =>
      compact({
        VariantName: v.variantName,
        DesiredWeight: v.desiredWeight,
        DesiredInstanceCount: v.instanceCount,
        InstanceType: v.instanceType,
        VariantStatus: [{ Status: 'Creating', StartTime: epochSeconds(startedAt) }],
      });
    return compact({
      EndpointName: e.name,
      EndpointArn: e.arn,
      EndpointConfigName: e.configName,
      ProductionVariants: e.variants.length ? e.variants.map(summary) : undefined,
      ShadowProductionVariants: e.shadowVariants?.length ? e.shadowVariants.map(summary) : undefined,
      EndpointStatus: e.status,
      FailureReason: e.failureReason,
      LastDeploymentConfig: p?.kind === 'update' && p.blueGreen ? p.blueGreen.config : e.lastDeploymentConfig,
      CreationTime: epochSeconds(e.createdAt),
      LastModifiedTime: epochSeconds(e.modifiedAt),
      PendingDeploymentSummary:
        p?.kind === 'update'
          ? {
              EndpointConfigName: p.configName,
              StartTime: epochSeconds(p.startedAt),
              ProductionVariants: p.variants.map((v) => pendingSummary(v, p.startedAt)),
              ...(p.shadowVariants.length
                ? { ShadowProductionVariants: p.shadowVariants.map((v) => pendingSummary(v, p.startedAt)) }
                : {}),
            }
          : undefined,
    });
  }

  listEndpoints(input: Input): Json {
    const contains = input.str('NameContains');
    const status = input.oneOf('StatusEquals', [
      'OutOfService',
      'Creating',
      'Updating',
      'SystemUpdating',
      'RollingBack',
      'InService',
      'Deleting',
      'Failed',
      'UpdateRollbackFailed',
    ] as const);
    const after = input.time('CreationTimeAfter');
    const before = input.time('CreationTimeBefore');
    const sortField = input.oneOf('SortBy', ['Name', 'CreationTime', 'Status'] as const) ?? 'CreationTime';
    const order = input.oneOf('SortOrder', ORDER) ?? 'Descending';
    const matching = this.allEndpoints().filter(
      (e) =>
        (!contains || e.name.includes(contains)) &&
        (!status || e.status === status) &&
        (after === undefined || e.createdAt > after) &&
        (before === undefined || e.createdAt < before),
    );
    const key = (e: Endpoint) => (sortField === 'Name' ? e.name : sortField === 'Status' ? e.status : e.seq);
    const page = paginate(sortBy(matching, key, order), input, {
      defaultMax: 10,
      limit: 100,
      tokenKind: 'endpoints',
    });
    return compact({
      Endpoints: page.items.map((e) => ({
        EndpointName: e.name,
        EndpointArn: e.arn,
        CreationTime: epochSeconds(e.createdAt),
        LastModifiedTime: epochSeconds(e.modifiedAt),
        EndpointStatus: e.status,
      })),
      NextToken: page.nextToken,
    });
  }

  updateEndpoint(input: Input): Json {
    const e = this.endpoint(input.requiredStr('EndpointName'));
    const config = this.config(input.requiredStr('EndpointConfigName'));
    this.refuseWhileBusy(e, 'update');
    if (e.status === 'Failed') throw validation(`Cannot update endpoint "${e.arn}" with status Failed.`);
    const greenInstances = config.variants.reduce((n, v) => n + v.InitialInstanceCount, 0);
    const blueGreen = blueGreenPlan(input.object('DeploymentConfig'), greenInstances);
    const now = this.ctx.now();
    e.status = 'Updating';
    e.modifiedAt = now;
    e.pending = {
      kind: 'update',
      startedAt: now,
      readyAt: now + this.delays.updateDelayMs,
      configName: config.name,
      ...this.deployable(config),
      ...(blueGreen ? { blueGreen } : {}),
    };
    return { EndpointArn: e.arn };
  }

  updateWeights(input: Input): Json {
    const e = this.endpoint(input.requiredStr('EndpointName'));
    const desired = input.list('DesiredWeightsAndCapacities');
    if (desired.length === 0)
      throw constraint(
        'DesiredWeightsAndCapacities',
        '[]',
        'Member must have length greater than or equal to 1',
      );
    this.refuseWhileBusy(e, 'update');
    if (e.status !== 'InService')
      throw validation(`Cannot update endpoint "${e.arn}" with status ${e.status}.`);
    const byName = new Map(e.variants.map((v) => [v.variantName, v]));
    const missing = desired.map((d) => String(d.VariantName)).filter((n) => !byName.has(n));
    if (missing.length) {
      throw validation(
        `The variant(s) "[${missing.join(', ')}]" is/are not present in the endpoint "${e.arn}".`,
      );
    }
    for (const d of desired) {
      const weight = d.DesiredWeight;
      if (weight !== undefined && (typeof weight !== 'number' || weight < 0)) {
        throw constraint('DesiredWeight', weight, 'Member must have value greater than or equal to 0');
      }
    }
    const now = this.ctx.now();
    for (const d of desired) {
      const v = byName.get(String(d.VariantName))!;
      if (typeof d.DesiredWeight === 'number') v.desiredWeight = d.DesiredWeight;
      if (typeof d.DesiredInstanceCount === 'number') v.instanceCount = d.DesiredInstanceCount;
    }
    e.status = 'Updating';
    e.modifiedAt = now;
    e.pending = { kind: 'weights', startedAt: now, readyAt: now + this.delays.updateDelayMs };
    return { EndpointArn: e.arn };
  }

  deleteEndpoint(input: Input): Json {
    const e = this.endpoint(input.requiredStr('EndpointName'));
    this.refuseWhileBusy(e, 'delete');
    delete this.data.endpoints[e.name];
    return {};
  }
}
