/**
 * JWTs from an identity provider, verified against its JWKS (keys fetched and cached by `jose`).
 * Checked: signature, `iss`, `aud`, `exp` (required: a token without it would never expire), `nbf`
 * and `iat` (not in the future), and a maximum lifetime from `iat` (or now) to `exp`; each time check
 * allows the configured clock skew. Identity from a claim (`sub` by default), roles from a
 * configurable claim that may be nested (`realm_access.roles`), an array or a space-separated string.
 */
import type { JWTPayload } from 'jose' with { 'resolution-mode': 'import' };
import type { AuthConfig } from '../../config';
import type { Caller } from './caller';
import { isRole } from './roles';

type JwtSettings = NonNullable<AuthConfig['jwt']>;

/** Why a verified token is still refused for its times, or undefined when they are acceptable. */
export function lifetimeProblem(
  payload: JWTPayload,
  settings: JwtSettings,
  nowSeconds: number,
): string | undefined {
  const skew = settings.clockSkewSeconds;
  if (typeof payload.exp !== 'number') return 'exp is required';
  if (payload.iat !== undefined && payload.iat > nowSeconds + skew) return 'iat is in the future';
  const lifetime = payload.exp - Math.min(payload.iat ?? nowSeconds, nowSeconds);
  if (lifetime > settings.maxLifetimeSeconds + skew) {
    return `lives ${lifetime} s, longer than the ${settings.maxLifetimeSeconds} s allowed`;
  }
  return undefined;
}

function claimAt(payload: JWTPayload, path: string): unknown {
  if (path in payload) return payload[path];
  return path.split('.').reduce<unknown>((node, key) => {
    return node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined;
  }, payload);
}

function rolesFrom(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

export type JwtVerifier = (token: string) => Promise<Caller | undefined>;

export function createJwtVerifier(settings: JwtSettings): JwtVerifier {
  // jose is ESM-only; this project compiles to CommonJS, so it is loaded with a dynamic import.
  const ready = import('jose').then((jose) => ({
    jwtVerify: jose.jwtVerify,
    jwks: jose.createRemoteJWKSet(new URL(settings.jwksUrl)),
  }));
  return async (token) => {
    const { jwtVerify, jwks } = await ready;
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: settings.issuer,
        audience: settings.audience,
        requiredClaims: ['exp'],
        clockTolerance: settings.clockSkewSeconds,
      });
      if (lifetimeProblem(payload, settings, Math.floor(Date.now() / 1000))) return undefined;
      const identity = claimAt(payload, settings.identityClaim);
      if (typeof identity !== 'string' || identity === '') return undefined;
      const roles = rolesFrom(claimAt(payload, settings.rolesClaim)).filter(isRole);
      return { identity, roles, via: 'jwt' };
    } catch {
      // Expired, not yet valid, badly signed, wrong issuer or audience: all mean "not authenticated".
      return undefined;
    }
  };
}
