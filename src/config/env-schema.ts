/**
 * Every environment variable the service reads, with its default, validated once at start.
 * The worker, the API, the local stack (`npm start`) and docker-compose all use these names; the
 * local stack's own ports and data folder are in dev/local-stack-config.ts.
 */
import { z } from 'zod';

/** WORKER_MAX_CACHED_WORKFLOWS when unset (see there). */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

const port = (fallback: number) =>
  z.coerce.number({ message: 'must be a port number' }).int().min(0).max(65535).default(fallback);
const optionalText = z
  .string()
  .trim()
  .transform((v) => (v === '' ? undefined : v))
  .optional();
const optionalUrl = optionalText.pipe(z.url('must be a URL').optional());
const optionalHttpUrl = optionalText.pipe(
  z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' }).optional(),
);
const positiveSeconds = (fallback: number) =>
  z.coerce.number({ message: 'must be a number' }).positive().default(fallback);

export const envSchema = z
  .object({
    // Temporal
    TEMPORAL_ADDRESS: z.string().min(1).default('127.0.0.1:7233'),
    TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    TEMPORAL_TASK_QUEUE: z.string().min(1).default('model-version-lifecycle'),
    /** mTLS client certificate and key (PEM file paths), e.g. for Temporal Cloud. */
    TEMPORAL_TLS_CERT: optionalText,
    TEMPORAL_TLS_KEY: optionalText,
    /** Temporal Cloud API key; implies TLS. */
    TEMPORAL_API_KEY: optionalText,
    // AWS (credentials come from the SDK's standard chain, never from here)
    AWS_REGION: z.string().min(1).default('us-east-1'),
    /** One endpoint for SageMaker, SageMaker Runtime and CloudWatch: the emulator, e.g. http://127.0.0.1:4566. */
    AWS_ENDPOINT_URL: optionalUrl,
    SAGEMAKER_EXECUTION_ROLE_ARN: optionalText.pipe(
      z
        .string()
        .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/, 'must be an IAM role ARN')
        .optional(),
    ),
    NOTIFY_WEBHOOK_URL: optionalUrl,
    // API
    API_HOST: z.string().min(1).default('127.0.0.1'),
    API_PORT: port(3000),
    /** Largest request body; larger ones get 413. 1 MiB keeps a start request well inside Temporal's 2 MB payload limit. */
    API_MAX_BODY_BYTES: z.coerce
      .number({ message: 'must be a number' })
      .int()
      .min(1024)
      .max(2_000_000)
      .default(1_048_576),
    // Auth
    /** Static tokens: `token:identity:role1+role2,…`. */
    AUTH_TOKENS: optionalText,
    AUTH_JWKS_URL: optionalUrl,
    AUTH_ISSUER: optionalText,
    AUTH_AUDIENCE: optionalText,
    /** Claim holding the identity; `sub` unless the IdP puts e.g. an e-mail elsewhere. */
    AUTH_IDENTITY_CLAIM: z.string().min(1).default('sub'),
    /** Claim holding the roles (an array or a space-separated string); dots reach nested claims. */
    AUTH_ROLES_CLAIM: z.string().min(1).default('roles'),
    /** Longest JWT accepted, from `iat` (or now) to `exp`: a token minted to last for months is refused. */
    AUTH_JWT_MAX_LIFETIME_SECONDS: positiveSeconds(86_400),
    /** Clock difference allowed between the identity provider and this service for exp, nbf and iat. */
    AUTH_JWT_CLOCK_SKEW_SECONDS: z.coerce.number({ message: 'must be a number' }).min(0).max(600).default(60),
    /** The console's OpenID Connect sign-in: the public client (no secret) registered at AUTH_ISSUER. */
    AUTH_OIDC_CLIENT_ID: optionalText,
    /** Scopes the console asks for, space-separated; `openid` is required (it is what returns an ID token). Empty: the default. */
    AUTH_OIDC_SCOPES: optionalText
      .transform((v) => (v ?? 'openid profile').split(/\s+/).join(' '))
      .refine((v) => v.split(' ').includes('openid'), 'must include openid (space-separated scopes)'),
    /** SageMaker Studio users as this service's identities: `studio-user=identity;…` (see README). */
    STUDIO_IDENTITY_MAP: optionalText,
    /** An unmapped Studio user's decision is refused (`refuse`), or taken under the profile name (`profile-name`). */
    STUDIO_UNMAPPED_IDENTITY: z.enum(['refuse', 'profile-name']).default('refuse'),
    // Worker
    WORKER_SHUTDOWN_GRACE_SECONDS: positiveSeconds(30),
    /**
     * Runs the worker keeps in its sticky cache; beyond that the least recently used is evicted and
     * replayed when it next has work. Default 100: a cached run costs about 1.5-2 MiB of the worker's
     * heap (each has its own instance of the bundle's modules), and parked lifecycles need no place
     * in it (reads answer from the memo), so 10,000 parked fit in about 600 MiB (BENCHMARKS.md); the
     * SDK's own default, sized from the heap limit, is about 900 on a 4 GiB heap and held 2 GiB.
     */
    WORKER_MAX_CACHED_WORKFLOWS: optionalText.pipe(
      z
        .string()
        .regex(/^\d{1,7}$/, 'must be a whole number of runs, e.g. 500')
        .transform(Number)
        .default(DEFAULT_MAX_CACHED_WORKFLOWS),
    ),
    /** `host:port` of the worker's Prometheus endpoint (Temporal SDK and lifecycle metrics); unset: none. */
    WORKER_METRICS_ADDRESS: optionalText.pipe(
      z
        .string()
        .regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. 0.0.0.0:9464')
        .optional(),
    ),
    /** The prebuilt workflow bundle (`npm run build:bundle`); production's default is dist/workflow-bundle.js. */
    WORKFLOW_BUNDLE_PATH: optionalText,
    /** Worker Deployment Versioning (README, "Upgrading the service"); `off` for an unversioned worker. */
    TEMPORAL_WORKER_VERSIONING: z.enum(['on', 'off']).default('on'),
    TEMPORAL_DEPLOYMENT_NAME: z.string().min(1).max(200).default('model-version-lifecycle'),
    /** Overrides the derived build id (package version + workflow bundle hash). */
    TEMPORAL_BUILD_ID: optionalText,
    // Tracing (OpenTelemetry's own variable names; README, "Operations")
    /** OTLP/HTTP base URL of a collector, e.g. http://otel-collector:4318; unset: no tracing. */
    OTEL_EXPORTER_OTLP_ENDPOINT: optionalHttpUrl,
    /** The traces URL itself, used as given; overrides the base URL above for traces. */
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optionalHttpUrl,
    /** Spans go as OTLP/HTTP JSON; a collector expecting gRPC or protobuf would drop them unseen. */
    OTEL_EXPORTER_OTLP_PROTOCOL: optionalText.pipe(
      z
        .enum(['http/json'], { message: 'must be http/json: spans are sent as OTLP over HTTP in JSON' })
        .optional(),
    ),
    OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optionalText.pipe(
      z
        .enum(['http/json'], { message: 'must be http/json: spans are sent as OTLP over HTTP in JSON' })
        .optional(),
    ),
    /** service.name of the spans; default model-version-lifecycle-worker / -api. */
    OTEL_SERVICE_NAME: optionalText,
    NODE_ENV: optionalText,
    LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
  })
  .superRefine((env, ctx) => {
    if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
      ctx.addIssue({
        code: 'custom',
        path: [env.TEMPORAL_TLS_CERT ? 'TEMPORAL_TLS_KEY' : 'TEMPORAL_TLS_CERT'],
        message: 'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together',
      });
    }
    if (env.AUTH_JWKS_URL && !env.AUTH_ISSUER) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_ISSUER'],
        message: 'required with AUTH_JWKS_URL: tokens from any issuer would be accepted otherwise',
      });
    }
    if (env.AUTH_JWKS_URL && !env.AUTH_AUDIENCE) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_AUDIENCE'],
        message: 'required with AUTH_JWKS_URL: tokens meant for other services would be accepted otherwise',
      });
    }
    if (env.AUTH_OIDC_CLIENT_ID && !env.AUTH_JWKS_URL) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_OIDC_CLIENT_ID'],
        message:
          'needs AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE: the API must verify the tokens the console signs in with',
      });
    }
    if (env.AUTH_OIDC_CLIENT_ID && env.AUTH_ISSUER && !/^https?:\/\/[^/]/.test(env.AUTH_ISSUER)) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_ISSUER'],
        message:
          'must be the issuer URL with AUTH_OIDC_CLIENT_ID: the console reads <issuer>/.well-known/openid-configuration',
      });
    }
  });

export type Env = z.output<typeof envSchema>;
