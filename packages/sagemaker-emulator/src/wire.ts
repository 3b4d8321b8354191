/**
 * The small pieces of AWS's JSON wire formats the emulator's operations share: reading required and
 * typed members, timestamps (epoch seconds in AWS JSON 1.0/1.1), and list pagination tokens.
 */
import { AwsError, constraint } from './aws-error';

export type Json = Record<string, unknown>;

/** Members of a request body, with the checks SageMaker and CloudWatch apply before any logic. */
export class Input {
  constructor(readonly body: Json) {}

  has(name: string): boolean {
    return this.body[name] !== undefined && this.body[name] !== null;
  }

  str(name: string): string | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw constraint(name, v, 'Member must be a string');
    return v;
  }

  requiredStr(name: string): string {
    const v = this.str(name);
    if (v === undefined || v === '') throw constraint(name, undefined, 'Member must not be null');
    return v;
  }

  num(name: string): number | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || Number.isNaN(v)) throw constraint(name, v, 'Member must be a number');
    return v;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!allowed.includes(v as T)) {
      throw constraint(name, v, `Member must satisfy enum value set: [${allowed.join(', ')}]`);
    }
    return v as T;
  }

  /** A timestamp member (epoch seconds on the wire) as epoch milliseconds. */
  time(name: string): number | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'number') return v * 1000;
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return Date.parse(v);
    throw constraint(name, v, 'Member must be a timestamp');
  }

  list<T = Json>(name: string): T[] {
    const v = this.body[name];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw constraint(name, v, 'Member must be a list');
    return v as T[];
  }

  map(name: string): Record<string, string> {
    const v = this.body[name];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw constraint(name, v, 'Member must be a map');
    return v as Record<string, string>;
  }

  object(name: string): Json | undefined {
    const v = this.body[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v)) throw constraint(name, v, 'Member must be a structure');
    return v as Json;
  }
}

/** Epoch milliseconds as AWS JSON's default timestamp format (epoch seconds, fractional). */
export function epochSeconds(ms: number): number {
  return ms / 1000;
}

/** Drops undefined members so a response carries only what is set, as AWS's do. */
export function compact<T extends Json>(shape: T): T {
  return Object.fromEntries(Object.entries(shape).filter(([, v]) => v !== undefined)) as T;
}

const SAGEMAKER_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

/** SageMaker's name rule for models, endpoint configs, endpoints and package groups. */
export function checkName(field: string, value: string): string {
  if (!SAGEMAKER_NAME.test(value)) {
    throw constraint(
      field,
      value,
      `Member must satisfy regular expression pattern: ${SAGEMAKER_NAME.source}`,
    );
  }
  return value;
}

export interface Page<T> {
  items: T[];
  nextToken?: string;
}

/**
 * One page of an already filtered and sorted list. The token is opaque to callers (as AWS's are) and
 * names the offset; a token from another listing or a forged one is refused.
 */
export function paginate<T>(
  all: T[],
  input: Input,
  options: { maxField?: string; defaultMax: number; limit: number; tokenKind: string },
): Page<T> {
  const maxField = options.maxField ?? 'MaxResults';
  const max = input.num(maxField) ?? options.defaultMax;
  if (!Number.isInteger(max) || max < 1 || max > options.limit) {
    throw constraint(maxField, max, `Member must have value between 1 and ${options.limit}`);
  }
  let offset = 0;
  const token = input.str('NextToken');
  if (token) {
    const decoded = decodeToken(token);
    if (!decoded || decoded.kind !== options.tokenKind)
      throw new AwsError('ValidationException', 'Invalid pagination token');
    offset = decoded.offset;
  }
  const items = all.slice(offset, offset + max);
  const next = offset + max < all.length ? encodeToken(options.tokenKind, offset + max) : undefined;
  return { items, ...(next ? { nextToken: next } : {}) };
}

function encodeToken(kind: string, offset: number): string {
  return Buffer.from(JSON.stringify({ kind, offset })).toString('base64url');
}

function decodeToken(token: string): { kind: string; offset: number } | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (
      parsed &&
      typeof parsed === 'object' &&
      typeof (parsed as { kind?: unknown }).kind === 'string' &&
      Number.isInteger((parsed as { offset?: unknown }).offset)
    ) {
      return parsed as { kind: string; offset: number };
    }
  } catch {
    // fall through: not one of ours
  }
  return undefined;
}

/** Sort by a key with a stable tie-break on creation order, ascending or descending. */
export function sortBy<T>(
  items: T[],
  key: (t: T) => string | number,
  order: 'Ascending' | 'Descending',
): T[] {
  const sign = order === 'Descending' ? -1 : 1;
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -sign : ka > kb ? sign : 0;
  });
}
