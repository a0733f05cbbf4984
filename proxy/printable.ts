/**
 * @module Caller-sent text echoed into a header, a metrics label or a log line: control characters (CR and LF
 * would split a header, a Prometheus line or a log record) become `?`, and the length is capped (a 1 MB model name
 * must not come back as a 1 MB header).
 */

/** `text` without control characters and at most `max` characters long (cut with an ellipsis). */
export function printable(text: string, max = 200): string {
  const clean = text.replace(/[\x00-\x1f\x7f]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
