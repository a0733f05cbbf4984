import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProxyError } from '../../proxy/errors.ts';
import { grammarSchema } from '../../proxy/providers/local/json-schema.ts';

const refusedAt = (schema: Record<string, unknown>, pattern: RegExp) =>
  assert.throws(
    () => grammarSchema(schema),
    (e: unknown) =>
      e instanceof ProxyError &&
      e.status === 400 &&
      e.options.param === 'response_format.json_schema.schema' &&
      e.options.code === 'unsupported_parameter' &&
      pattern.test(e.message),
  );

test('what the grammar enforces passes through; anyOf becomes the grammar’s oneOf; annotations are dropped only where ignored', () => {
  const schema = {
    type: 'object',
    title: 'T',
    properties: {
      name: { type: 'string', minLength: 1, description: 'who' },
      when: { type: 'string', format: 'date' },
      tags: { type: 'array', items: { enum: ['a', 'b'] }, maxItems: 3 },
      maybe: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/n' }] },
      kind: { const: 'k' },
      either: { type: ['string', 'null'] },
    },
    required: ['name'],
    additionalProperties: false,
    $defs: { n: { type: 'integer' } },
  };
  const out = grammarSchema(schema);
  assert.deepEqual((out.properties as Record<string, unknown>).maybe, {
    oneOf: [{ type: 'null' }, { $ref: '#/$defs/n' }],
  });
  assert.deepEqual((out.properties as Record<string, unknown>).name, { type: 'string', minLength: 1 });
  assert.deepEqual(out.$defs, { n: { type: 'integer' } });
  assert.equal(out.additionalProperties, false);
});

test('a bare object means any object, not only {}; declared properties keep the object closed', () => {
  assert.equal(grammarSchema({ type: 'object' }).additionalProperties, true);
  assert.equal(grammarSchema({ type: 'object', properties: { a: { type: 'number' } } }).additionalProperties, false);
  assert.deepEqual(grammarSchema({ type: 'object', additionalProperties: { type: 'number' } }).additionalProperties, {
    type: 'number',
  });
  assert.equal(grammarSchema({ type: 'object', additionalProperties: {} }).additionalProperties, true);
});

test('every constraint the grammar would silently drop is refused, naming where', () => {
  refusedAt(
    { type: 'object', properties: { code: { type: 'string', pattern: '^x' } } },
    /"pattern" on a "string" schema at \/properties\/code/,
  );
  refusedAt({ type: 'number', minimum: 0 }, /"minimum"/);
  refusedAt({ type: 'string', format: 'email' }, /string format "email"/);
  refusedAt({}, /without a type/);
  refusedAt({ type: 'object', properties: { a: { $ref: '#/definitions/a' } } }, /only #\/\$defs\/… references/);
  refusedAt({ allOf: [{ type: 'string' }] }, /"allOf" at \(root\)/);
  refusedAt({ type: ['object', 'null'] }, /type list/);
  refusedAt({ type: 'array', items: [{ type: 'string' }] }, /items that is not one schema/);
  refusedAt({ type: 'array', uniqueItems: true }, /"uniqueItems"/);
});
