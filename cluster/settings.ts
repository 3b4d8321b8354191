/**
 * What `npm run cluster` reads: the service's own variables (src/config/env-schema.ts, the names
 * docker-compose uses) plus the few only the cluster has. A wrong value stops it at start.
 */
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { loadLocalStackConfig, type LocalStackConfig } from '../dev/local-stack-config';
import { EMULATOR_EXECUTION_ROLE_ARN, loadConfig, type ServiceConfig } from '../src/config';

const clusterEnvSchema = z.object({
  /** An existing PostgreSQL (postgres://user:password@host:port); unset: our own from the machine's packages. */
  POSTGRES_URL: z
    .string()
    .trim()
    .transform((v) => (v === '' ? undefined : v))
    .optional(),
  /** Our own PostgreSQL's superuser, as docker-compose's `postgresql` service. */
  POSTGRES_USER: z.string().min(1).default('temporal'),
  POSTGRES_PASSWORD: z.string().min(1).default('temporal'),
  /** Not 5432: that is where a Debian package's own cluster listens when it runs. */
  POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(5433),
  /** How many worker processes poll the task queue. */
  CLUSTER_WORKERS: z.coerce.number().int().min(1).max(8).default(2),
  /** Users on every production endpoint, as docker-compose's emulator (`*-prod=20`). */
  EMULATOR_TRAFFIC: z.string().optional(),
});

export interface ClusterSettings {
  service: ServiceConfig;
  /** The local stack's own variables (DATA_DIR, the ports, the emulator's period and traffic), as `npm start` reads them. */
  localStack: LocalStackConfig;
  /** Everything of the cluster lives under here: PostgreSQL's data, configs, logs, the bundle. */
  dir: string;
  /** Where the local tokens are kept (shared with `npm start`, so `npm run demo` finds them). */
  dataDir: string;
  logDir: string;
  postgres: { url?: string; user: string; password: string; port: number };
  temporalPort: number;
  uiPort: number;
  emulatorPort: number;
  apiHost: string;
  apiPort: number;
  workers: number;
  executionRoleArn: string;
  emulatorTraffic: string;
  /** AUTH_TOKENS as given, if any; otherwise the cluster generates local ones. */
  authTokens?: string;
}

export function clusterSettings(env: NodeJS.ProcessEnv = process.env): ClusterSettings {
  const service = loadConfig();
  const localStack = loadLocalStackConfig(env);
  const parsed = clusterEnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const dataDir = resolve(localStack.dataDir);
  const dir = join(dataDir, 'cluster');
  return {
    service,
    localStack,
    dir,
    dataDir,
    logDir: join(dir, 'logs'),
    postgres: {
      ...(c.POSTGRES_URL ? { url: c.POSTGRES_URL } : {}),
      user: c.POSTGRES_USER,
      password: c.POSTGRES_PASSWORD,
      port: c.POSTGRES_PORT,
    },
    temporalPort: localStack.temporalPort,
    uiPort: localStack.temporalUiPort,
    emulatorPort: localStack.emulatorPort,
    apiHost: service.api.host,
    apiPort: service.api.port,
    workers: c.CLUSTER_WORKERS,
    executionRoleArn: service.aws.executionRoleArn ?? EMULATOR_EXECUTION_ROLE_ARN,
    emulatorTraffic: c.EMULATOR_TRAFFIC ?? `*-prod=${localStack.trafficRatePerSecond}`,
    ...(service.auth.staticTokens ? { authTokens: service.auth.staticTokens } : {}),
  };
}
