/**
 * @module Secrets out of a recording: the values of fields named like credentials, the secrets the proxy itself
 * knows (its token, the providers' keys), and anything shaped like a common key or token, wherever it appears in
 * the text of a request (a key pasted into a prompt, an Authorization header echoed in tool output).
 */

export const REDACTED = '[REDACTED]';

/** Shapes of common credentials: provider API keys, cloud and VCS tokens, JWTs, bearer headers, private keys. */
const KEY_PATTERNS = [
  /\bsk-(?:ant-|proj-|or-)?[A-Za-z0-9_-]{16,}/g,
  /\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{20,}|\bgithub_pat_[A-Za-z0-9_]{20,}/g,
  /\bxox[abprs]-[A-Za-z0-9-]{10,}/g,
  /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  /\bAIza[0-9A-Za-z_-]{35}\b/g,
  /\bhf_[A-Za-z0-9]{30,}/g,
  /\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/g,
  /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{12,}/gi,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
];

/** Field names whose string values are credentials whatever they look like. */
const SECRET_FIELD =
  /^(authorization|x-api-key|api[-_]?key|apikey|access[-_]?token|refresh[-_]?token|token|secret|client[-_]?secret|password|passwd)$/i;

/** The text with every known secret and key-shaped string replaced. */
export function redactText(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  for (const pattern of KEY_PATTERNS)
    out = out.replace(pattern, (match, scheme?: string) =>
      typeof scheme === 'string' && /^(bearer|basic)$/i.test(scheme) ? `${scheme} ${REDACTED}` : REDACTED,
    );
  return out;
}

/** A deep copy of a JSON value with secrets redacted (credential fields whole, other strings by pattern). */
export function redact<T>(value: T, secrets: readonly string[]): T {
  if (typeof value === 'string') return redactText(value, secrets) as T;
  if (Array.isArray(value)) return value.map((v) => redact(v, secrets)) as T;
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value))
      out[key] = SECRET_FIELD.test(key) && typeof v === 'string' ? REDACTED : redact(v, secrets);
    return out as T;
  }
  return value;
}
