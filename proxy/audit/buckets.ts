/**
 * @module Audit buckets: the router's own signals (topic, length, code, tools, conversation depth) reduced to a few
 * coarse values, so audited requests pool into groups large enough to estimate the local model's quality. Buckets
 * outside what the classifier was trained on (code, proofs, agent turns with tools) form their own groups: they
 * stay in the cloud until their own audits say otherwise.
 */
import type { DifficultySignals } from '../router/index.ts';

export interface AuditBucket {
  topic: 'code' | 'proof' | 'math' | 'general';
  length: 'short' | 'medium' | 'long';
  tools: boolean;
  depth: 'single' | 'multi';
}

/** `prior`: the classifier's training data speaks for it; otherwise the name of its own calibration group. */
export type CalibrationGroup = 'prior' | 'code' | 'proof' | 'tools';

/** Asks for code to be written, fixed or explained, or carries code. */
const ASKS_CODE =
  /\b(write|implement|create|generate|fix|debug|refactor|complete)\b[^.?!\n]{0,60}\b(code|function|script|program|class|method|tests?|python|javascript|typescript|java|rust|golang|sql|bash|regex|api|endpoint)\b|\b(in|using|with) (python|javascript|typescript|java|c\+\+|c#|rust|golang|sql|bash)\b|\btested (python|javascript|typescript|code)\b|\bunit tests?\b/i;
const ASKS_PROOF = /\b(prove|proof|show that|demonstrate that)\b/i;

/** Long enough a last message to be a different kind of request than the short questions the classifier saw most. */
const SHORT_TOKENS = 120;
const MEDIUM_TOKENS = 500;

/** Reads the bucket of a request from its signals and the text of its last user message. */
export function auditBucket(signals: DifficultySignals, lastMessage: string): AuditBucket {
  const code = signals.codeBlocks > 0 || ASKS_CODE.test(lastMessage);
  const topic = code ? 'code' : ASKS_PROOF.test(lastMessage) ? 'proof' : signals.mathCues > 0 ? 'math' : 'general';
  const length =
    signals.lastMessageTokens <= SHORT_TOKENS
      ? 'short'
      : signals.lastMessageTokens <= MEDIUM_TOKENS
        ? 'medium'
        : 'long';
  return {
    topic,
    length,
    tools: signals.tools > 0 || signals.toolResults > 0,
    depth: signals.userTurns > 1 ? 'multi' : 'single',
  };
}

/** A bucket's stable name, as stored in the ledger: `topic/length/tools|no-tools/single|multi`. */
export function bucketKey(bucket: AuditBucket): string {
  return `${bucket.topic}/${bucket.length}/${bucket.tools ? 'tools' : 'no-tools'}/${bucket.depth}`;
}

/** The calibration group a bucket belongs to. */
export function calibrationGroup(bucket: AuditBucket): CalibrationGroup {
  if (bucket.tools) return 'tools';
  if (bucket.topic === 'code' || bucket.topic === 'proof') return bucket.topic;
  return 'prior';
}

/** The group a stored bucket key belongs to. */
export function groupOfKey(key: string): CalibrationGroup {
  const [topic, , tools] = key.split('/');
  return calibrationGroup({
    topic: topic as AuditBucket['topic'],
    length: 'short',
    tools: tools === 'tools',
    depth: 'single',
  });
}
