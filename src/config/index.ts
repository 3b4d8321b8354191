/**
 * The service's configuration: the environment parsed by `envSchema` into the shape each process
 * uses. A wrong value stops the process at start with one line per variable.
 */
import { envSchema, type Env } from './env-schema';
import { parseStudioIdentityMap } from './studio-identities';

export { envSchema, type Env } from './env-schema';

/** Any role ARN does for the emulator, which does not assume it. */
export const EMULATOR_EXECUTION_ROLE_ARN = 'arn:aws:iam::000000000000:role/SageMakerExecutionRole';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  tls?: { certPath: string; keyPath: string };
  apiKey?: string;
}

export interface JwtConfig {
  jwksUrl: string;
  issuer: string;
  audience: string;
  identityClaim: string;
  rolesClaim: string;
  /** `exp` is required and at most this far after `iat` (or after now, without `iat`). */
  maxLifetimeSeconds: number;
  clockSkewSeconds: number;
}

/** The console's OpenID Connect sign-in (Authorization Code with PKCE, as a public client). */
export interface OidcSignInConfig {
  issuer: string;
  clientId: string;
  /** Space-separated, always with `openid`. */
  scopes: string;
  /** The console keeps the token (access or ID) whose `aud` holds this: the one the API accepts. */
  audience: string;
}

export interface StudioIdentityConfig {
  /** Studio user (profile name, domainId/profile, profile ARN or IAM ARN) → identity of this service. */
  identityMap: Record<string, string>;
  unmapped: 'refuse' | 'profile-name';
}

export interface AuthConfig {
  staticTokens?: string;
  jwt?: JwtConfig;
  oidc?: OidcSignInConfig;
  studio: StudioIdentityConfig;
}

export interface TracingConfig {
  /** Where spans are POSTed (OTLP/HTTP JSON), e.g. http://otel-collector:4318/v1/traces. */
  tracesUrl: string;
  /** OTEL_SERVICE_NAME; unset: each process names itself (…-worker, …-api). */
  serviceName?: string;
}

/** The spec's rule: the traces URL as given, or `/v1/traces` under the base endpoint. */
function tracingConfig(e: Env): TracingConfig | undefined {
  const tracesUrl =
    e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (e.OTEL_EXPORTER_OTLP_ENDPOINT
      ? `${e.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`
      : undefined);
  if (!tracesUrl) return undefined;
  return { tracesUrl, ...(e.OTEL_SERVICE_NAME ? { serviceName: e.OTEL_SERVICE_NAME } : {}) };
}

export interface ServiceConfig {
  temporal: TemporalConfig;
  aws: { region: string; endpoint?: string; executionRoleArn?: string };
  notifyWebhookUrl?: string;
  api: { host: string; port: number; maxBodyBytes: number };
  auth: AuthConfig;
  worker: {
    shutdownGraceSeconds: number;
    /** WORKER_MAX_CACHED_WORKFLOWS (default DEFAULT_MAX_CACHED_WORKFLOWS); 0 disables the cache. */
    maxCachedWorkflows: number;
    workflowBundlePath?: string;
    /** Where the Prometheus exporter listens (WORKER_METRICS_ADDRESS); unset: no exporter. */
    metricsAddress?: string;
    /** Unset: an unversioned worker (TEMPORAL_WORKER_VERSIONING=off). */
    versioning?: { deploymentName: string; buildId?: string };
  };
  /** OpenTelemetry tracing, when an OTLP endpoint is set; unset: no tracing code runs at all. */
  tracing?: TracingConfig;
  /** NODE_ENV=production: the worker runs only a prebuilt workflow bundle. */
  production: boolean;
  logLevel: Env['LOG_LEVEL'];
}

export function parseEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((i) => {
      const name = i.path.join('.');
      const value = env[name];
      return `${name}: ${i.message}${value === undefined ? '' : ` (got "${value}")`}`;
    }),
  );
}

function studioIdentityMap(spec: string | undefined): Record<string, string> {
  try {
    return parseStudioIdentityMap(spec);
  } catch (err) {
    throw new ConfigError([(err as Error).message]);
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const e = parseEnv(env);
  const tracing = tracingConfig(e);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      tls:
        e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY
          ? { certPath: e.TEMPORAL_TLS_CERT, keyPath: e.TEMPORAL_TLS_KEY }
          : undefined,
      apiKey: e.TEMPORAL_API_KEY,
    },
    aws: {
      region: e.AWS_REGION,
      endpoint: e.AWS_ENDPOINT_URL,
      executionRoleArn:
        e.SAGEMAKER_EXECUTION_ROLE_ARN ?? (e.AWS_ENDPOINT_URL ? EMULATOR_EXECUTION_ROLE_ARN : undefined),
    },
    notifyWebhookUrl: e.NOTIFY_WEBHOOK_URL,
    api: { host: e.API_HOST, port: e.API_PORT, maxBodyBytes: e.API_MAX_BODY_BYTES },
    auth: {
      staticTokens: e.AUTH_TOKENS,
      jwt:
        e.AUTH_JWKS_URL && e.AUTH_ISSUER && e.AUTH_AUDIENCE
          ? {
              jwksUrl: e.AUTH_JWKS_URL,
              issuer: e.AUTH_ISSUER,
              audience: e.AUTH_AUDIENCE,
              identityClaim: e.AUTH_IDENTITY_CLAIM,
              rolesClaim: e.AUTH_ROLES_CLAIM,
              maxLifetimeSeconds: e.AUTH_JWT_MAX_LIFETIME_SECONDS,
              clockSkewSeconds: e.AUTH_JWT_CLOCK_SKEW_SECONDS,
            }
          : undefined,
      oidc:
        e.AUTH_OIDC_CLIENT_ID && e.AUTH_ISSUER && e.AUTH_AUDIENCE
          ? {
              issuer: e.AUTH_ISSUER,
              clientId: e.AUTH_OIDC_CLIENT_ID,
              scopes: e.AUTH_OIDC_SCOPES,
              audience: e.AUTH_AUDIENCE,
            }
          : undefined,
      studio: { identityMap: studioIdentityMap(e.STUDIO_IDENTITY_MAP), unmapped: e.STUDIO_UNMAPPED_IDENTITY },
    },
    worker: {
      shutdownGraceSeconds: e.WORKER_SHUTDOWN_GRACE_SECONDS,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
      ...(e.WORKFLOW_BUNDLE_PATH ? { workflowBundlePath: e.WORKFLOW_BUNDLE_PATH } : {}),
      ...(e.WORKER_METRICS_ADDRESS ? { metricsAddress: e.WORKER_METRICS_ADDRESS } : {}),
      ...(e.TEMPORAL_WORKER_VERSIONING === 'on'
        ? {
            versioning: {
              deploymentName: e.TEMPORAL_DEPLOYMENT_NAME,
              ...(e.TEMPORAL_BUILD_ID ? { buildId: e.TEMPORAL_BUILD_ID } : {}),
            },
          }
        : {}),
    },
    ...(tracing ? { tracing } : {}),
    production: e.NODE_ENV === 'production',
    logLevel: e.LOG_LEVEL,
  };
}

/** The worker creates SageMaker models, which need a role; only the emulator does without one. */
export function requireExecutionRole(config: ServiceConfig): string {
  if (config.aws.executionRoleArn) return config.aws.executionRoleArn;
  throw new ConfigError([
    'SAGEMAKER_EXECUTION_ROLE_ARN: required against real AWS (the IAM role SageMaker assumes to pull the image and model data)',
  ]);
}
