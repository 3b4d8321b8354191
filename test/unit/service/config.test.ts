import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  EMULATOR_EXECUTION_ROLE_ARN,
  loadConfig,
  requireExecutionRole,
} from '../../../src/config';

describe('loadConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const c = loadConfig({});
    expect(c.temporal).toEqual({
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'model-version-lifecycle',
      tls: undefined,
      apiKey: undefined,
    });
    expect(c.api).toEqual({ host: '127.0.0.1', port: 3000, maxBodyBytes: 1_048_576 });
    expect(c.aws).toEqual({ region: 'us-east-1', endpoint: undefined, executionRoleArn: undefined });
    expect(c.auth.jwt).toBeUndefined();
    expect(c.auth.studio).toEqual({ identityMap: {}, unmapped: 'refuse' });
  });

  it('reads the JWT time rules and the Studio identity map; refuses a malformed map entry', () => {
    const c = loadConfig({
      AUTH_JWKS_URL: 'https://idp/jwks.json',
      AUTH_ISSUER: 'https://idp/',
      AUTH_AUDIENCE: 'mvl',
      AUTH_JWT_MAX_LIFETIME_SECONDS: '900',
      AUTH_JWT_CLOCK_SKEW_SECONDS: '5',
      STUDIO_IDENTITY_MAP:
        'bob=bob@corp.com; arn:aws:iam::123456789012:role/ML,Approvers=alice=alice@corp.com; d-1/carol=carol@corp.com',
      STUDIO_UNMAPPED_IDENTITY: 'profile-name',
    });
    expect(c.auth.jwt).toMatchObject({ maxLifetimeSeconds: 900, clockSkewSeconds: 5 });
    expect(c.auth.studio).toEqual({
      identityMap: {
        bob: 'bob@corp.com',
        'arn:aws:iam::123456789012:role/ML,Approvers=alice': 'alice@corp.com',
        'd-1/carol': 'carol@corp.com',
      },
      unmapped: 'profile-name',
    });
    expect(() => loadConfig({ STUDIO_IDENTITY_MAP: 'bob' })).toThrow(/STUDIO_IDENTITY_MAP entry 1/);
    expect(() => loadConfig({ STUDIO_IDENTITY_MAP: 'bob=a;bob=b' })).toThrow(/bob is mapped twice/);
    expect(() => loadConfig({ STUDIO_UNMAPPED_IDENTITY: 'allow' })).toThrow(ConfigError);
  });

  it('reads TLS, API key, ports and the emulator endpoint', () => {
    const c = loadConfig({
      TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233',
      TEMPORAL_TLS_CERT: '/certs/client.pem',
      TEMPORAL_TLS_KEY: '/certs/client.key',
      API_PORT: '8080',
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
    });
    expect(c.temporal.tls).toEqual({ certPath: '/certs/client.pem', keyPath: '/certs/client.key' });
    expect(c.api.port).toBe(8080);
    // Against the emulator any role will do.
    expect(c.aws.executionRoleArn).toBe(EMULATOR_EXECUTION_ROLE_ARN);
  });

  it('names every wrong variable at once, with the value it got', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ API_PORT: 'eighty', NOTIFY_WEBHOOK_URL: 'not a url', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const text = error!.problems.join('\n');
    expect(text).toMatch(/API_PORT: must be a port number \(got "eighty"\)/);
    expect(text).toMatch(/NOTIFY_WEBHOOK_URL: must be a URL/);
    expect(text).toMatch(/LOG_LEVEL/);
  });

  it('serves worker metrics only when WORKER_METRICS_ADDRESS is a host:port', () => {
    expect(loadConfig({}).worker.metricsAddress).toBeUndefined();
    expect(loadConfig({ WORKER_METRICS_ADDRESS: '0.0.0.0:9464' }).worker.metricsAddress).toBe('0.0.0.0:9464');
    expect(() => loadConfig({ WORKER_METRICS_ADDRESS: 'http://0.0.0.0:9464/metrics' })).toThrow(
      /WORKER_METRICS_ADDRESS: must be host:port/,
    );
  });

  it('sizes the sticky cache at 100 runs, or at WORKER_MAX_CACHED_WORKFLOWS when it is a whole number', () => {
    expect(loadConfig({}).worker.maxCachedWorkflows).toBe(100);
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '' }).worker.maxCachedWorkflows).toBe(100);
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '500' }).worker.maxCachedWorkflows).toBe(500);
    expect(loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: '0' }).worker.maxCachedWorkflows).toBe(0);
    for (const bad of ['-1', '2.5', 'many']) {
      expect(() => loadConfig({ WORKER_MAX_CACHED_WORKFLOWS: bad })).toThrow(
        /WORKER_MAX_CACHED_WORKFLOWS: must be a whole number of runs/,
      );
    }
  });

  it('traces only with an OTLP endpoint: /v1/traces under the base URL, a traces URL as given', () => {
    expect(loadConfig({}).tracing).toBeUndefined();
    expect(loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' }).tracing).toEqual({
      tracesUrl: 'http://collector:4318/v1/traces',
    });
    expect(
      loadConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://vendor.example/otlp/traces',
        OTEL_SERVICE_NAME: 'mvl-eu',
      }).tracing,
    ).toEqual({ tracesUrl: 'https://vendor.example/otlp/traces', serviceName: 'mvl-eu' });
    expect(() => loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT: must be an http:\/\/ or https:\/\/ URL/,
    );
    // The spans go as JSON: a collector told to expect protobuf or gRPC would not see them.
    expect(() =>
      loadConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    ).toThrow(/OTEL_EXPORTER_OTLP_PROTOCOL: must be http\/json/);
  });

  it('checks variables that go together', () => {
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/c.pem' })).toThrow(
      /TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together/,
    );
  });

  it('requires issuer and audience with a JWKS URL', () => {
    expect(() => loadConfig({ AUTH_JWKS_URL: 'https://idp/.well-known/jwks.json' })).toThrow(
      /AUTH_ISSUER[\s\S]*AUTH_AUDIENCE/,
    );
    const c = loadConfig({
      AUTH_JWKS_URL: 'https://idp/.well-known/jwks.json',
      AUTH_ISSUER: 'https://idp/',
      AUTH_AUDIENCE: 'mvl',
      AUTH_ROLES_CLAIM: 'realm_access.roles',
    });
    expect(c.auth.jwt).toMatchObject({
      identityClaim: 'sub',
      rolesClaim: 'realm_access.roles',
      audience: 'mvl',
    });
  });

  it("reads the console's OIDC sign-in only beside JWT verification, with openid among its scopes", () => {
    const jwt = {
      AUTH_JWKS_URL: 'https://idp.example.com/realms/ml/protocol/openid-connect/certs',
      AUTH_ISSUER: 'https://idp.example.com/realms/ml',
      AUTH_AUDIENCE: 'mvl-console',
    };
    expect(loadConfig(jwt).auth.oidc).toBeUndefined();
    expect(loadConfig({ ...jwt, AUTH_OIDC_CLIENT_ID: 'mvl-console' }).auth.oidc).toEqual({
      issuer: 'https://idp.example.com/realms/ml',
      clientId: 'mvl-console',
      scopes: 'openid profile',
      audience: 'mvl-console',
    });
    expect(
      loadConfig({ ...jwt, AUTH_OIDC_CLIENT_ID: 'c', AUTH_OIDC_SCOPES: '  openid   email roles ' }).auth.oidc
        ?.scopes,
    ).toBe('openid email roles');
    expect(() => loadConfig({ AUTH_OIDC_CLIENT_ID: 'mvl-console' })).toThrow(
      /AUTH_OIDC_CLIENT_ID: needs AUTH_JWKS_URL, AUTH_ISSUER and AUTH_AUDIENCE/,
    );
    expect(() => loadConfig({ ...jwt, AUTH_OIDC_CLIENT_ID: 'c', AUTH_OIDC_SCOPES: 'profile email' })).toThrow(
      /AUTH_OIDC_SCOPES: must include openid/,
    );
    expect(() => loadConfig({ ...jwt, AUTH_ISSUER: 'idp-realm-ml', AUTH_OIDC_CLIENT_ID: 'c' })).toThrow(
      /AUTH_ISSUER: must be the issuer URL with AUTH_OIDC_CLIENT_ID/,
    );
  });

  it('the worker needs an execution role against real AWS', () => {
    expect(() => requireExecutionRole(loadConfig({}))).toThrow(/SAGEMAKER_EXECUTION_ROLE_ARN/);
    const arn = 'arn:aws:iam::123456789012:role/SageMaker';
    expect(requireExecutionRole(loadConfig({ SAGEMAKER_EXECUTION_ROLE_ARN: arn }))).toBe(arn);
    expect(() => loadConfig({ SAGEMAKER_EXECUTION_ROLE_ARN: 'admin' })).toThrow(/must be an IAM role ARN/);
  });
});
