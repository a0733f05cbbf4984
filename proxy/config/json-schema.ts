/**
 * @module The config file's JSON Schema, generated from the zod schema (the one source of truth) and committed as
 * `schemas/config.schema.json`, which the extension contributes (`jsonValidation`) so editing the config file in VS
 * Code autocompletes and flags unknown keys. `npm run schema` rewrites it; a unit
 * test fails when it is stale.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { configSchema } from './schema.ts';

export const CONFIG_SCHEMA_FILE = path.join(import.meta.dirname, '..', '..', 'schemas', 'config.schema.json');

/** A default computed on this machine (a folder under the user's home) would make the file differ per machine. */
const machineDefault = (value: unknown) =>
  (typeof value === 'string' && value.startsWith(os.homedir())) || /tokenwise$/.test(String(value));

/** The config file's JSON Schema, as committed. */
export function configJsonSchema(): string {
  const schema = z.toJSONSchema(configSchema, {
    io: 'input',
    unrepresentable: 'any',
    override: ({ jsonSchema }) => {
      if (machineDefault(jsonSchema.default)) delete jsonSchema.default;
    },
  });
  return `${JSON.stringify({ ...schema, title: 'Tokenwise proxy configuration' }, null, 2)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  fs.mkdirSync(path.dirname(CONFIG_SCHEMA_FILE), { recursive: true });
  fs.writeFileSync(CONFIG_SCHEMA_FILE, configJsonSchema());
  console.log(`wrote ${path.relative(process.cwd(), CONFIG_SCHEMA_FILE)}`);
}
