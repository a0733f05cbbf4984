// Structured output for the fake clouds: what a real model constrained to a JSON schema (or to JSON mode) answers,
// built deterministically from the schema, with every string set to the echo text so a test can see which
// request it answers. Also the schema checks OpenAI's strict mode applies, as its 400 words them.

type Schema = Record<string, any>;

/** A JSON value that conforms to `schema`, strings filled with `text`. */
export function instanceOf(schema: Schema, text: string, defs: Schema = schema.$defs ?? {}): unknown {
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  if (typeof schema.$ref === 'string') return instanceOf(defs[schema.$ref.replace('#/$defs/', '')] ?? {}, text, defs);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives)) return instanceOf(alternatives[0], text, defs);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, s]) => [k, instanceOf(s as Schema, text, defs)]),
      );
    case 'array':
      return schema.items
        ? Array.from({ length: schema.minItems ?? 1 }, () => instanceOf(schema.items, text, defs))
        : [];
    case 'integer':
    case 'number':
      return schema.minimum ?? 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return text;
  }
}

/** The answer text for a JSON-mode request (no schema): an object carrying the echo. */
export function jsonModeText(text: string): string {
  return JSON.stringify({ echo: text });
}

/** The first place a strict schema breaks OpenAI's rules (closed objects, every property required), or undefined. */
export function strictSchemaProblem(schema: Schema, at = '()'): string | undefined {
  if (schema.type === 'object') {
    if (schema.additionalProperties !== false)
      return `In context=${at}, 'additionalProperties' is required to be supplied and to be false.`;
    const keys = Object.keys(schema.properties ?? {});
    const missing = keys.find((k) => !(schema.required ?? []).includes(k));
    if (missing)
      return `In context=${at}, 'required' is required to be supplied and to be an array including every key in properties. Missing '${missing}'.`;
    for (const k of keys) {
      const problem = strictSchemaProblem(schema.properties[k], `('properties', '${k}')`);
      if (problem) return problem;
    }
  }
  if (schema.type === 'array' && schema.items) return strictSchemaProblem(schema.items, `${at}, 'items'`);
  return undefined;
}
