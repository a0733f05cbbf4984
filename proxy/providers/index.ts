/**
 * @module The providers lever's one door: the `Provider` interface every backend implements, the three backends
 * (the local llama.cpp model, OpenAI-compatible and Anthropic clouds) and the process's one llama.cpp instance.
 * Nothing outside `proxy/providers/` imports the files behind it.
 */
export { AnthropicProvider, anthropicBody } from './anthropic/index.ts';
export { LlamaHost, type LlamaSettings } from './local/llama.ts';
export { LocalProvider, type LocalProviderEvents } from './local/index.ts';
export { resolveModelPath, type DownloadProgress } from './local/runtime.ts';
export { OpenAIProvider } from './openai/index.ts';
export type { ChatOptions, Provider, ProviderHealth, ProviderKind } from './provider.ts';
