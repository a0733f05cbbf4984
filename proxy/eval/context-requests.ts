/**
 * @module Evaluation records as the requests a real client would send. Context records rotate through the document
 * layouts RAG clients use (XML documents, numbered passages in an earlier message, markdown sections, one part per
 * document), so every parser is measured on real text. Traces get the tool-call ids function calling would carry.
 */
import type { ChatMessage, ChatRequest } from '../chat.ts';
import type { ContextRecord, ConversationRecord } from './context-records.ts';

const SYSTEM = 'Answer the question from the documents provided. Be brief.';
const LAYOUTS = ['xml', 'numbered', 'markdown', 'parts'] as const;

const user = (text: string): ChatMessage => ({ role: 'user', content: [{ type: 'text', text }] });

/** The request for the `index`-th context record, in the layout its turn in the rotation gives. */
export function contextRequest(record: ContextRecord, index: number): ChatRequest {
  const question = `Question: ${record.question}`;
  const p = record.passages;
  let messages: ChatMessage[];
  switch (LAYOUTS[index % LAYOUTS.length]!) {
    case 'xml': {
      const docs = p.map(
        (d, i) =>
          `<document index="${i + 1}">\n<source>${d.title}</source>\n<document_content>\n${d.text}\n</document_content>\n</document>`,
      );
      messages = [user(`<documents>\n${docs.join('\n')}\n</documents>\n\n${question}`)];
      break;
    }
    case 'numbered':
      messages = [
        user(`Search results:\n\n${p.map((d, i) => `[${i + 1}] ${d.title}\n${d.text}`).join('\n\n')}`),
        user(question),
      ];
      break;
    case 'markdown':
      messages = [user(`${p.map((d) => `## ${d.title}\n\n${d.text}`).join('\n\n')}\n\n---\n\n${question}`)];
      break;
    case 'parts':
      messages = [
        {
          role: 'user',
          content: [
            ...p.map((d) => ({ type: 'text' as const, text: `${d.title}\n${d.text}` })),
            { type: 'text', text: question },
          ],
        },
      ];
      break;
  }
  return {
    model: 'gpt-4o',
    stream: false,
    messages: [{ role: 'system', content: [{ type: 'text', text: SYSTEM }] }, ...messages],
  };
}

/** The command an assistant message runs: its last fenced block, as SWE-agent writes it. */
function command(text: string): string {
  const blocks = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```/g)];
  return blocks.at(-1)?.[1]?.trim() ?? '';
}

/**
 * The request for a chat or trace. A tool message answers a call added to the assistant message before it; one
 * with no assistant message before it becomes user text, as an API would demand.
 */
export function conversationRequest(record: ConversationRecord): ChatRequest {
  const messages: ChatMessage[] = [];
  record.messages.forEach((m, i) => {
    const content = [{ type: 'text' as const, text: m.content }];
    const caller = messages.at(-1);
    if (m.role !== 'tool') messages.push({ role: m.role, content });
    else if (caller?.role === 'assistant' && !caller.toolCalls) {
      const id = `call_${i}`;
      caller.toolCalls = [
        {
          id,
          name: 'bash',
          arguments: JSON.stringify({
            command: command(caller.content.map((c) => (c.type === 'text' ? c.text : '')).join('')),
          }),
        },
      ];
      messages.push({ role: 'tool', toolCallId: id, content });
    } else messages.push({ role: 'user', content });
  });
  return { model: 'gpt-4o', stream: false, messages };
}
