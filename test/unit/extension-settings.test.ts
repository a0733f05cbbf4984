import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { configFlags, parseCommandArgs } from '../../proxy/cli/args.ts';
import { COMMANDS } from '../../proxy/cli/commands.ts';
import { loadConfig } from '../../proxy/config/load.ts';
import { configSchema, DEFAULT_LOCAL_MODEL } from '../../proxy/config/schema.ts';
import {
  DEFAULT_MODEL,
  DEFAULT_PORT,
  parseSettings,
  proxyLaunch,
  sameLaunch,
  SETTING_NAMES,
} from '../../extension/settings.ts';

const manifest = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const properties: Record<
  string,
  { default: unknown; description?: string; markdownDescription?: string; type: unknown }
> = manifest.contributes.configuration.properties;
const from = (values: Record<string, unknown>) => parseSettings((name) => values[name]);

test('nothing set: the proxy gets only the port, so its own config file decides the rest', () => {
  const { settings, problems } = from({});
  assert.deepEqual(problems, []);
  assert.deepEqual(settings, { autoStart: true, statusBar: true, port: DEFAULT_PORT, proxy: {} });
  assert.deepEqual(proxyLaunch(settings), { env: { TOKENWISE_PORT: '8787' }, args: [] });
});

test('settings map onto environment variables and flags the proxy reads into its schema', () => {
  const { settings, problems } = from({
    port: 9123,
    localModel: '/models/small.gguf',
    threads: 1,
    parallel: 2,
    contextSize: 512,
    queueSize: 8,
    gpu: 'cpu',
    downloadModel: false,
    defaultCloudModel: 'gpt-4.1-mini',
    'openai.baseUrl': 'http://127.0.0.1:11434/v1',
    'anthropic.baseUrl': 'https://example.test',
    dataDir: '/tmp/tw',
    modelsDir: '/tmp/models',
  });
  assert.deepEqual(problems, []);
  const launch = proxyLaunch(settings, { OPENAI_API_KEY: 'sk-test' });
  assert.deepEqual(launch.args, ['--no-download', '--queue-size', '8']);
  const config = loadConfig({
    env: { ...launch.env, XDG_CONFIG_HOME: os.tmpdir() },
    flags: configFlags(
      parseCommandArgs('serve', launch.args, COMMANDS.find((c) => c.name === 'serve')!.options, false).values,
    ),
  });
  assert.equal(config.port, 9123);
  assert.deepEqual(config.local, {
    ...config.local,
    model: '/models/small.gguf',
    threads: 1,
    parallel: 2,
    contextSize: 512,
    queueSize: 8,
    gpu: 'cpu',
    download: false,
    modelsDir: '/tmp/models',
  });
  assert.equal(config.defaultCloudModel, 'gpt-4.1-mini');
  assert.equal(config.providers.openai!.baseUrl, 'http://127.0.0.1:11434/v1');
  assert.equal(config.providers.anthropic!.baseUrl, 'https://example.test');
  assert.equal(config.dataDir, '/tmp/tw');
  assert.equal(launch.env.OPENAI_API_KEY, 'sk-test');
});

test('wrong types are dropped and named, never passed on', () => {
  const { settings, problems } = from({
    port: 'eighty',
    threads: -1,
    parallel: 1.5,
    gpu: 'tpu',
    'openai.baseUrl': 'ftp://x',
    downloadModel: 'no',
    autoStart: 'yes',
  });
  assert.deepEqual(settings.proxy, {});
  assert.equal(settings.port, DEFAULT_PORT);
  assert.equal(settings.autoStart, true);
  assert.equal(problems.length, 7);
  assert.ok(problems.includes('tokenwise.port: ignoring "eighty"'), problems.join('; '));
});

test('empty strings mean "not set"; ~ is the home directory; hf: URIs and "off" pass as they are', () => {
  assert.deepEqual(from({ dataDir: '', configFile: '  ', contextSize: null }).settings.proxy, {});
  assert.equal(
    from({ localModel: '~/models/m.gguf' }).settings.proxy.localModel,
    path.join(os.homedir(), 'models/m.gguf'),
  );
  assert.equal(from({ localModel: 'hf:user/repo:Q4_K_M' }).settings.proxy.localModel, 'hf:user/repo:Q4_K_M');
  assert.equal(from({ localModel: 'off' }).settings.proxy.localModel, 'off');
});

test('only a change to what the proxy is started with needs a restart', () => {
  const a = from({ threads: 1, 'statusBar.enabled': true }).settings;
  const b = { ...from({ threads: 1 }).settings, statusBar: false, autoStart: false };
  assert.ok(sameLaunch(proxyLaunch(a), proxyLaunch(b)));
  assert.ok(!sameLaunch(proxyLaunch(a), proxyLaunch(from({ threads: 2 }).settings)));
  assert.ok(!sameLaunch(proxyLaunch(a), proxyLaunch(a, { ANTHROPIC_API_KEY: 'k' })));
  assert.ok(sameLaunch({ env: { A: '1', B: '2' }, args: [] }, { env: { B: '2', A: '1' }, args: [] }));
});

test('package.json documents every setting, with the proxy schema’s own defaults', () => {
  for (const name of SETTING_NAMES) {
    const property = properties[`tokenwise.${name}`];
    assert.ok(property, `tokenwise.${name} is contributed`);
    assert.ok(property.description || property.markdownDescription, `tokenwise.${name} is described`);
  }
  assert.deepEqual(Object.keys(properties).sort(), SETTING_NAMES.map((n) => `tokenwise.${n}`).sort());
  const defaults = configSchema.parse({});
  assert.equal(properties['tokenwise.port']!.default, defaults.port);
  assert.equal(DEFAULT_PORT, defaults.port);
  assert.equal(properties['tokenwise.localModel']!.default, DEFAULT_LOCAL_MODEL);
  assert.equal(DEFAULT_MODEL, DEFAULT_LOCAL_MODEL);
  assert.equal(properties['tokenwise.gpu']!.default, defaults.local.gpu);
  assert.equal(properties['tokenwise.threads']!.default, defaults.local.threads);
  assert.equal(properties['tokenwise.parallel']!.default, defaults.local.parallel);
  assert.equal(properties['tokenwise.queueSize']!.default, defaults.local.queueSize);
  assert.equal(properties['tokenwise.downloadModel']!.default, defaults.local.download);
  assert.equal(properties['tokenwise.defaultCloudModel']!.default, defaults.defaultCloudModel);
});
