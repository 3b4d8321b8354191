/**
 * Bad requests generated from the OpenAPI document's JSON schemas: a valid body with one field
 * broken against one keyword of its schema (type, bounds, length, pattern, enum, required, unknown
 * key, item and entry counts). Each mutation knows the field it broke, so a test can check that the
 * 400 names it. Only keywords whose violation is certain are used, so every generated body is invalid.
 */
import fc from 'fast-check';

export type JsonSchema = {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  maxProperties?: number;
};

/** Any JSON value, or REMOVE (the field taken out). */
type Json = unknown;
export interface Mutation {
  /** Dotted path of the broken field, as the API's errors name it. */
  field: string;
  keyword: string;
  body: Json;
}

interface Site {
  path: string[];
  schema: JsonSchema;
  value: Json;
  present: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** Every field the schema describes, with the baseline's value there (if any). */
export function sites(schema: JsonSchema, value: Json, path: string[] = []): Site[] {
  const here: Site[] = path.length ? [{ path, schema, value, present: value !== undefined }] : [];
  if (schema.properties) {
    const obj = isObject(value) ? value : {};
    return here.concat(
      Object.entries(schema.properties).flatMap(([k, s]) =>
        isObject(value) || value === undefined ? sites(s, obj[k], [...path, k]) : [],
      ),
    );
  }
  if (schema.type === 'array' && schema.items && Array.isArray(value)) {
    return here.concat(value.flatMap((item, i) => sites(schema.items!, item, [...path, String(i)])));
  }
  return here;
}

function setAt(body: Json, path: string[], value: Json): Json {
  const copy = structuredClone(body) as Record<string, unknown>;
  let node: Record<string, unknown> = copy;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node[key]) && !Array.isArray(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  const last = path.at(-1)!;
  if (value === REMOVE) delete node[last];
  else node[last] = value;
  return copy;
}
const REMOVE = Symbol('remove');

const wrongTypes: Record<string, Json[]> = {
  string: [42, true, null, ['x'], { x: 1 }],
  number: ['7', true, null, [1], { n: 1 }],
  integer: ['7', false, null, [1]],
  boolean: ['true', 0, null],
  object: ['{}', 1, [], null],
  array: ['[]', 1, { 0: 1 }, null],
};

/** The ways to break one site, each an arbitrary of the broken value (or REMOVE). */
export function breakers(
  site: Site,
  parentRequired: boolean,
): { keyword: string; value: fc.Arbitrary<Json>; field?: string }[] {
  const s = site.schema;
  const out: { keyword: string; value: fc.Arbitrary<Json>; field?: string }[] = [];
  if (s.type && !s.anyOf) out.push({ keyword: 'type', value: fc.constantFrom(...wrongTypes[s.type]!) });
  if (parentRequired) out.push({ keyword: 'required', value: fc.constant(REMOVE) });
  if (s.type === 'integer') {
    const lo = s.minimum ?? 0;
    out.push({ keyword: 'integer', value: fc.double({ min: lo + 0.01, max: lo + 0.99, noNaN: true }) });
  }
  if (s.maximum !== undefined) {
    out.push({
      keyword: 'maximum',
      value: fc
        .double({ min: s.maximum + 1, max: s.maximum * 10 + 1e6, noNaN: true })
        .map((v) => (s.type === 'integer' ? Math.ceil(v) : v)),
    });
  }
  if (s.minimum !== undefined) {
    const exclusive = s.exclusiveMinimum === true;
    out.push({
      keyword: 'minimum',
      value: fc
        .double({ min: s.minimum - 1e6, max: exclusive ? s.minimum : s.minimum - 1, noNaN: true })
        .map((v) => (s.type === 'integer' ? Math.floor(v) : v)),
    });
  }
  if (s.maxLength !== undefined) {
    out.push({
      keyword: 'maxLength',
      value: fc.integer({ min: s.maxLength + 1, max: s.maxLength + 300 }).map((n) => 'a'.repeat(n)),
    });
  }
  if (s.minLength) out.push({ keyword: 'minLength', value: fc.constant('') });
  if (s.pattern) {
    const re = new RegExp(s.pattern, 'u');
    // Any code point, control characters included: every pattern here refuses some of them.
    const short = fc.string({ unit: 'binary', maxLength: Math.min(40, s.maxLength ?? 40) });
    out.push({
      keyword: 'pattern',
      value: short.filter((v) => !re.test(v) && (s.minLength === undefined || v.length >= s.minLength)),
    });
  }
  if (s.enum) {
    out.push({ keyword: 'enum', value: fc.string({ maxLength: 20 }).filter((v) => !s.enum!.includes(v)) });
  }
  if (s.const !== undefined)
    out.push({ keyword: 'const', value: fc.string({ maxLength: 20 }).filter((v) => v !== s.const) });
  if (s.additionalProperties === false && isObject(site.value)) {
    const known = Object.keys(s.properties ?? {});
    out.push({
      keyword: 'additionalProperties',
      value: fc
        .stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,15}$/)
        .filter((k) => !known.includes(k))
        .map((k) => ({ ...(site.value as object), [k]: 1 })),
    });
  }
  if (s.maxItems !== undefined && Array.isArray(site.value) && site.value.length > 0) {
    const item = site.value[0];
    out.push({ keyword: 'maxItems', value: fc.constant(Array(s.maxItems + 1).fill(item)) });
  }
  if (s.minItems) out.push({ keyword: 'minItems', value: fc.constant([]) });
  if (s.maxProperties !== undefined && typeof s.additionalProperties === 'object') {
    const v = s.additionalProperties.type === 'number' ? 1 : 'v';
    const n = s.maxProperties + 1;
    out.push({
      keyword: 'maxProperties',
      value: fc.constant(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, v]))),
    });
  }
  return out;
}

/** An arbitrary of single-field mutations of `baseline` against `schema`. */
export function mutations(schema: JsonSchema, baseline: Json): fc.Arbitrary<Mutation> {
  const all = sites(schema, baseline).flatMap((site) => {
    const parent = site.path.length > 1 ? findSchema(schema, site.path.slice(0, -1)) : schema;
    const parentRequired = (parent?.required ?? []).includes(site.path.at(-1)!) && site.present;
    return breakers(site, parentRequired).map((b) => ({ site, ...b }));
  });
  const fieldMutations = fc.constantFrom(...all).chain(({ site, keyword, value }) =>
    value.map((v): Mutation => ({
      field: site.path.join('.'),
      keyword,
      body: setAt(baseline, site.path, v),
    })),
  );
  if (schema.additionalProperties !== false || !isObject(baseline)) return fieldMutations;
  // An unknown key at the root is named by the key itself.
  const known = Object.keys(schema.properties ?? {});
  const rootUnknown = fc
    .stringMatching(/^[a-zA-Z][a-zA-Z0-9]{0,15}$/)
    .filter((k) => !known.includes(k))
    .map((k): Mutation => ({ field: k, keyword: 'additionalProperties', body: { ...baseline, [k]: 1 } }));
  return fc.oneof({ arbitrary: fieldMutations, weight: 20 }, { arbitrary: rootUnknown, weight: 1 });
}

function findSchema(schema: JsonSchema, path: string[]): JsonSchema | undefined {
  let node: JsonSchema | undefined = schema;
  for (const key of path) {
    if (!node) return undefined;
    node = node.properties?.[key] ?? (/^\d+$/.test(key) ? node.items : undefined);
  }
  return node;
}
