// The config file's JSON Schema: the committed file is what the zod schema generates now, it accepts a real config
// and rejects a misspelled key, and the extension contributes it for the config file's names.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { CONFIG_SCHEMA_FILE, configJsonSchema } from '../../proxy/config/json-schema.ts';

const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));

test('schemas/config.schema.json is current (regenerate: npm run schema)', () => {
  assert.equal(fs.readFileSync(CONFIG_SCHEMA_FILE, 'utf8'), configJsonSchema());
});

test('the schema accepts a config the proxy accepts and rejects a misspelled key', () => {
  // ajv (installed with the tooling) is a JSON Schema validator independent of zod.
  const Ajv = createRequire(import.meta.url)('ajv/dist/2020') as new (
    options: object,
  ) => { compile: (schema: object) => ((data: unknown) => boolean) & { errors?: { message?: string }[] } };
  const validate = new Ajv({ strict: false }).compile(JSON.parse(configJsonSchema()));
  assert.equal(
    validate({ port: 9000, local: { model: 'off' }, defaultCloudModel: 'gpt-4o-mini', budget: { dailyUsd: 5 } }),
    true,
    JSON.stringify(validate.errors),
  );
  assert.equal(
    validate({ $schema: './schemas/config.schema.json', port: 9000 }),
    true,
    JSON.stringify(validate.errors),
  );
  assert.equal(validate({ prot: 9000 }), false);
  assert.equal(validate({ port: 'ninety' }), false);
});

test('package.json contributes the schema for the config file', () => {
  const [entry] = manifest.contributes.jsonValidation as { fileMatch: string[]; url: string }[];
  assert.equal(entry!.url, './schemas/config.schema.json');
  assert.ok(entry!.fileMatch.includes('**/tokenwise/config.json'));
});
