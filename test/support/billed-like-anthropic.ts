/**
 * A loopback Anthropic that bills its prompt cache the way Anthropic does: each answer's usage (cache reads, 5-minute
 * and 1-hour writes, fresh input) comes from the wire body it received, run through the replay's billing model on the
 * project's token counter. A live run against it and a replay of its recording are then billed by the same rules.
 */
import { loadTokenCounter } from '../../proxy/context/tokens.ts';
import { AnthropicPromptCache, anthropicMinCacheable, anthropicWireUsage } from '../../proxy/eval/replay/billing.ts';
import type { AnthropicBehaviour } from './fake-anthropic.ts';
import type { RecordedRequest } from './sse.ts';

/** Wraps a behaviour so every answer reports prompt-cache usage; output tokens stay the fake's own count. */
export async function billedLikeAnthropic(
  inner: (request: RecordedRequest) => AnthropicBehaviour,
): Promise<(request: RecordedRequest) => AnthropicBehaviour> {
  const counter = await loadTokenCounter('claude-sonnet-4-5');
  const caches = new Map<string, AnthropicPromptCache>();
  return (request) => {
    const behaviour = inner(request);
    if (behaviour.kind === 'error' || behaviour.kind === 'hang' || behaviour.kind === 'die_mid_stream')
      return behaviour;
    const model = String(request.body?.model);
    let cache = caches.get(model);
    if (!cache) caches.set(model, (cache = new AnthropicPromptCache(counter, anthropicMinCacheable(model))));
    const { output_tokens: _output, ...usage } = anthropicWireUsage(cache.bill(request.body, Date.now()), 0);
    return { ...behaviour, usage };
  };
}
