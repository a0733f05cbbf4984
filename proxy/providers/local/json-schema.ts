/**
 * @module A caller's JSON schema → the subset node-llama-cpp's grammar enforces. The grammar builder silently
 * treats what it does not know as `null` (an `anyOf`, a `pattern`, a `{}`), which would force a wrong answer; so
 * every keyword is checked here, the few safe rewrites are made, and anything else is refused naming its path.
 */
import { ProxyError } from '../../errors.ts';

type Schema = Record<string, unknown>;

/** Keywords that only describe: the grammar may ignore them without letting a non-conforming answer through. */
const annotations = new Set(['description', 'title', '$comment', 'examples', 'default', '$schema', '$id', 'strict']);

/** Keywords the grammar enforces, per kind of schema. */
const enforced: Record<string, Set<string>> = {
  string: new Set(['type', 'minLength', 'maxLength', 'format']),
  number: new Set(['type']),
  integer: new Set(['type']),
  boolean: new Set(['type']),
  null: new Set(['type']),
  object: new Set(['type', 'properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties']),
  array: new Set(['type', 'items', 'prefixItems', 'minItems', 'maxItems']),
};

const FORMATS = new Set(['date-time', 'time', 'date']);
const PARAM = 'response_format.json_schema.schema';

function refuse(at: string, why: string): never {
  throw new ProxyError(
    'invalid_request',
    `${PARAM}: the local model's grammar cannot enforce ${why} at ${at || '(root)'}`,
    { param: PARAM, code: 'unsupported_parameter' },
  );
}

/** The schema the local grammar is built from; throws a 400 naming the first part it cannot enforce. */
export function grammarSchema(schema: Schema): Schema {
  return convert(schema, '');
}

function convert(schema: unknown, at: string): Schema {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    refuse(at, 'a schema that is not an object');
  const node = schema as Schema;
  const keys = Object.keys(node).filter((k) => !annotations.has(k) && k !== '$defs');
  const defs = node.$defs === undefined ? {} : { $defs: mapValues(node.$defs, `${at}/$defs`) };
  if ('$ref' in node) {
    if (typeof node.$ref !== 'string' || !node.$ref.startsWith('#/$defs/'))
      refuse(at, `$ref ${JSON.stringify(node.$ref)} (only #/$defs/… references)`);
    only(node, keys, new Set(['$ref']), at);
    return { $ref: node.$ref, ...defs };
  }
  for (const union of ['anyOf', 'oneOf'] as const) {
    if (!(union in node)) continue;
    only(node, keys, new Set([union]), at);
    if (!Array.isArray(node[union]) || !node[union].length) refuse(at, `an empty ${union}`);
    // The grammar accepts any one alternative: exactly anyOf; oneOf's "exactly one" holds for disjoint alternatives.
    return { oneOf: (node[union] as unknown[]).map((s, i) => convert(s, `${at}/${union}/${i}`)), ...defs };
  }
  if ('const' in node) {
    only(node, keys, new Set(['const']), at);
    return { const: node.const };
  }
  if ('enum' in node) {
    only(node, keys, new Set(['enum', 'type']), at);
    if (!Array.isArray(node.enum) || node.enum.some((v) => v !== null && typeof v === 'object'))
      refuse(at, 'an enum of objects or arrays');
    return { enum: node.enum };
  }
  const types = Array.isArray(node.type) ? node.type : [node.type];
  if (node.type === undefined) refuse(at, keys.length ? `"${keys[0]}"` : 'a schema without a type (any value)');
  if (types.length > 1) {
    only(node, keys, new Set(['type']), at);
    if (types.some((t) => !['string', 'number', 'integer', 'boolean', 'null'].includes(t as string)))
      refuse(at, `the type list ${JSON.stringify(node.type)}`);
    return { type: node.type };
  }
  const type = String(types[0]);
  const allowed = enforced[type];
  if (!allowed) refuse(at, `the type ${JSON.stringify(node.type)}`);
  only(node, keys, allowed, at);
  if (type === 'string' && node.format !== undefined && !FORMATS.has(node.format as string))
    refuse(at, `the string format ${JSON.stringify(node.format)}`);
  if (type === 'object') {
    const properties = node.properties === undefined ? undefined : mapValues(node.properties, `${at}/properties`);
    // `{}` as a schema is "any value": here that is what `true` says.
    const extra = isEmptySchema(node.additionalProperties) ? true : node.additionalProperties;
    // JSON Schema allows any extra key unless told otherwise; the grammar allows none. Keep declared objects closed
    // (stricter, still valid), but a bare {type:"object"} means any object, not only {}.
    const additionalProperties =
      extra === undefined || extra === true
        ? properties === undefined || extra === true
        : extra === false
          ? false
          : convert(extra, `${at}/additionalProperties`);
    return { ...node, ...(properties ? { properties } : {}), additionalProperties, ...defs };
  }
  if (type === 'array') {
    if (node.items !== undefined && (Array.isArray(node.items) || typeof node.items !== 'object'))
      refuse(at, 'items that is not one schema');
    return {
      ...node,
      ...(node.items !== undefined ? { items: convert(node.items, `${at}/items`) } : {}),
      ...(Array.isArray(node.prefixItems)
        ? { prefixItems: node.prefixItems.map((s, i) => convert(s, `${at}/prefixItems/${i}`)) }
        : {}),
      ...defs,
    };
  }
  return Object.fromEntries(Object.entries(node).filter(([k]) => allowed.has(k)));
}

function only(node: Schema, keys: string[], allowed: Set<string>, at: string): void {
  const other = keys.find((k) => !allowed.has(k));
  if (other !== undefined)
    refuse(at, `"${other}"${node.type !== undefined ? ` on a ${JSON.stringify(node.type)} schema` : ''}`);
}

function mapValues(value: unknown, at: string): Schema {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) refuse(at, 'a map that is not an object');
  return Object.fromEntries(Object.entries(value).map(([k, s]) => [k, convert(s, `${at}/${k}`)]));
}

function isEmptySchema(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0;
}
