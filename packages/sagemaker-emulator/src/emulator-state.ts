/**
 * Everything the emulator holds, wired together once: the Model Registry, hosting (models, configs,
 * endpoints), CloudWatch's metrics and alarms, invocations, faults and the traffic generator.
 * Resources (not metrics) can be kept in a JSON file, so a restarted local stack finds the endpoints
 * its workflows were working on.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { Alarms } from './cloudwatch/alarms';
import { MetricStore } from './cloudwatch/metric-store';
import { cloudWatchOperations, type CloudWatchOperation } from './cloudwatch/operations';
import type { EmulatorContext } from './context';
import { Faults } from './faults';
import { Invocations } from './runtime/invocations';
import {
  emptyHosting,
  Hosting,
  type HostingData,
  type HostingDelays,
  type LiveVariant,
} from './sagemaker/hosting';
import { emptyRegistry, ModelRegistry, type RegistryData } from './sagemaker/model-registry';
import { sageMakerOperations, type SageMakerOperation } from './sagemaker/operations';
import { TrafficGenerator, type TrafficRule } from './traffic-generator';

export interface EmulatorStateOptions extends HostingDelays {
  metricPeriodSeconds: number;
  metricRetentionSeconds: number;
  traffic: TrafficRule[];
  trafficTickMs: number;
  /** Where resources are kept across restarts; none: in memory only. */
  stateFile?: string;
}

interface PersistedState {
  version: 1;
  registry: RegistryData;
  hosting: HostingData;
}

function load(file: string | undefined): PersistedState | undefined {
  if (!file || !existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as PersistedState;
  if (parsed.version !== 1)
    throw new Error(`${file}: unknown emulator state version ${String(parsed.version)}`);
  return parsed;
}

export class EmulatorState {
  readonly registry: ModelRegistry;
  readonly hosting: Hosting;
  readonly metrics: MetricStore;
  readonly alarms: Alarms;
  readonly invocations: Invocations;
  readonly faults = new Faults();
  readonly traffic: TrafficGenerator;
  readonly sageMaker: Record<string, SageMakerOperation>;
  readonly cloudWatch: Record<string, CloudWatchOperation>;
  private readonly registryData: RegistryData;
  private readonly hostingData: HostingData;

  constructor(
    readonly ctx: EmulatorContext,
    private readonly options: EmulatorStateOptions,
  ) {
    const saved = load(options.stateFile);
    this.registryData = saved?.registry ?? emptyRegistry();
    this.hostingData = saved?.hosting ?? emptyHosting();
    this.registry = new ModelRegistry(ctx, this.registryData);
    this.hosting = new Hosting(ctx, this.hostingData, this.registry, options);
    this.metrics = new MetricStore({
      periodSeconds: options.metricPeriodSeconds,
      retentionSeconds: options.metricRetentionSeconds,
    });
    this.alarms = new Alarms(ctx, this.metrics);
    this.hosting.watchAlarms((names) => this.alarms.inAlarm(names));
    this.invocations = new Invocations(ctx, this.hosting, this.metrics);
    this.traffic = new TrafficGenerator(
      this.hosting,
      this.invocations,
      options.traffic,
      options.trafficTickMs,
      () => ctx.now(),
    );
    this.sageMaker = sageMakerOperations(this.registry, this.hosting);
    this.cloudWatch = cloudWatchOperations(ctx, this.metrics, this.alarms);
  }

  /** Forgets every resource, metric, alarm, fault and behaviour change; traffic rules stay. */
  reset(): void {
    Object.assign(this.registryData, emptyRegistry());
    Object.assign(this.hostingData, emptyHosting());
    this.metrics.clear();
    this.alarms.clear();
    this.invocations.counts.clear();
    this.faults.clear();
    this.save();
  }

  /** Writes resources to the state file (atomically), when there is one. */
  save(): void {
    const file = this.options.stateFile;
    if (!file) return;
    const state: PersistedState = { version: 1, registry: this.registryData, hosting: this.hostingData };
    writeFileSync(`${file}.tmp`, JSON.stringify(state));
    renameSync(`${file}.tmp`, file);
  }

  private variantView(endpointName: string, v: LiveVariant) {
    return {
      variantName: v.variantName,
      modelName: v.modelName,
      currentWeight: v.currentWeight,
      desiredWeight: v.desiredWeight,
      behaviour: this.hosting.behaviourOf(v),
      served: this.invocations.counts.get(`${endpointName}/${v.variantName}`) ?? {
        invocations: 0,
        errors5xx: 0,
        errors4xx: 0,
      },
    };
  }

  /** A readable picture of the endpoints for the control API and for people debugging a test. */
  snapshot(): Record<string, unknown> {
    return {
      endpoints: this.hosting.allEndpoints().map((e) => ({
        name: e.name,
        status: e.status,
        endpointConfigName: e.configName,
        failureReason: e.failureReason,
        pendingUntil: e.pending ? new Date(e.pending.readyAt).toISOString() : undefined,
        variants: e.variants.map((v) => this.variantView(e.name, v)),
        shadowVariants: (e.shadowVariants ?? []).map((v) => this.variantView(e.name, v)),
      })),
      behaviourOverrides: this.hosting.behaviourOverrides(),
      faults: this.faults.list(),
      traffic: { rules: this.traffic.rules, sent: this.traffic.sent },
      metricPeriodSeconds: this.options.metricPeriodSeconds,
    };
  }
}
