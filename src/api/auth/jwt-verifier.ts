/**
 * JWTs from an identity provider, verified against its JWKS (keys fetched and cached by `jose`).
 * Identity from a claim (`sub` by default), roles from a configurable claim that may be nested
 * (`realm_access.roles`) and may hold an array or a space-separated string.
 */
import type { JWTPayload } from 'jose' with { 'resolution-mode': 'import' };
import type { AuthConfig } from '../../config';
import type { Caller } from './caller';
import { isRole } from './roles';

type JwtSettings = NonNullable<AuthConfig['jwt']>;

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
      });
      const identity = claimAt(payload, settings.identityClaim);
      if (typeof identity !== 'string' || identity === '') return undefined;
      const roles = rolesFrom(claimAt(payload, settings.rolesClaim)).filter(isRole);
      return { identity, roles, via: 'jwt' };
    } catch {
      // Expired, badly signed, wrong issuer or audience: all mean "not authenticated".
      return undefined;
    }
  };
}
