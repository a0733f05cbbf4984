/**
 * @module ChatMessage[] → node-llama-cpp chat history. Tool results are folded into the function call they answer,
 * which is how node-llama-cpp's chat wrappers render them with the model's own template.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions, ChatModelResponse } from 'node-llama-cpp';
import type { ChatMessage, ToolDefinition } from '../../chat.ts';

function plainText(message: ChatMessage): string {
  // A text-only model cannot see images; say one was there rather than pretend it was not.
  return message.content.map((p) => (p.type === 'text' ? p.text : '[image omitted]')).join('');
}

function parseParams(text: string): unknown {
  try {
    return JSON.parse(text || '{}');
  } catch {
    return text;
  }
}

/** Builds the history LlamaChat continues: it always ends with a (possibly empty) model turn. */
export function toChatHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  const pendingCalls = new Map<string, ChatModelFunctionCall>();
  for (const message of messages) {
    switch (message.role) {
      case 'system':
        history.push({ type: 'system', text: plainText(message) });
        break;
      case 'user':
        history.push({ type: 'user', text: plainText(message) });
        break;
      case 'assistant': {
        const response: ChatModelResponse['response'] = [];
        const text = plainText(message);
        if (text) response.push(text);
        for (const call of message.toolCalls ?? []) {
          const item: ChatModelFunctionCall = {
            type: 'functionCall',
            name: call.name,
            params: parseParams(call.arguments),
            result: undefined,
          };
          pendingCalls.set(call.id, item);
          response.push(item);
        }
        history.push({ type: 'model', response });
        break;
      }
      case 'tool': {
        const call = pendingCalls.get(message.toolCallId ?? '');
        if (call) call.result = plainText(message);
        else history.push({ type: 'user', text: `Tool result: ${plainText(message)}` });
        break;
      }
      default:
        message.role satisfies never;
    }
  }
  if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

/** Tools → node-llama-cpp functions (no handlers: calls come back to the caller, as in the cloud APIs). */
export function toFunctions(tools: ToolDefinition[] | undefined): ChatModelFunctions | undefined {
  if (!tools?.length) return undefined;
  const functions: Record<string, ChatModelFunctions[string]> = {};
  for (const tool of tools) functions[tool.name] = { description: tool.description, params: tool.parameters as never };
  return functions;
}
