// One llama.cpp instance per process: the local chat model and the GGUF embedder both load on the LlamaHost the
// server owns, started with the configured GPU setting, and gone for both once it closes.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { semanticEmbedder } from '../../proxy/cache/semantic/start.ts';
import { collect } from '../../proxy/chat.ts';
import { loadConfig } from '../../proxy/config/load.ts';
import { LlamaHost } from '../../proxy/providers/local/llama.ts';
import { LocalProvider } from '../../proxy/providers/local/index.ts';
import { ensureTinyModel } from '../support/tiny-model.ts';

const ask = {
  model: 'local',
  messages: [{ role: 'user' as const, content: [{ type: 'text' as const, text: 'hi' }] }],
  maxTokens: 2,
  stream: false,
};

test("the chat model and the embedder share the host's one llama.cpp instance, on the configured backend", async () => {
  const config = loadConfig({
    env: {
      TOKENWISE_LOCAL_MODEL: await ensureTinyModel(),
      TOKENWISE_THREADS: '1',
      TOKENWISE_GPU: 'cpu',
      TOKENWISE_PARALLEL: '1',
      TOKENWISE_CONTEXT_SIZE: '256',
      TOKENWISE_DATA_DIR: os.tmpdir(),
    },
  });
  const embedderModel = await ensureTinyModel(undefined, { embedding: true });
  const host = new LlamaHost(config.local);
  const llama = await host.get();
  assert.equal(await host.get(), llama, 'one instance, however often it is asked for');
  assert.equal(llama.gpu, false, 'local.gpu = cpu reaches llama.cpp');

  const local = new LocalProvider(config.local, {}, host);
  await local.start();
  assert.equal(local.health().state, 'ready');
  const embedder = semanticEmbedder(
    { ...config, cache: { ...config.cache, semantic: { ...config.cache.semantic, embedder: embedderModel } } },
    { llama: () => host.get(), resolve: async (uri) => uri },
  );
  assert.equal((await embedder.embed(['a question']))[0]!.length, 64);
  assert.equal((await collect(local.chat(ask, 'local', AbortSignal.timeout(30_000)))).usage.inputTokens > 0, true);

  // Closing the host disposes everything loaded on it: both models were on this instance, not on one of their own.
  await host.close();
  await assert.rejects(embedder.embed(['another question']));
  await assert.rejects(collect(local.chat(ask, 'local', AbortSignal.timeout(30_000))));
  await local.close();
});
