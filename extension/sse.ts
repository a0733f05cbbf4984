/**
 * @module A server-sent-events parser for the proxy's live feed: feed it text as it arrives, get whole events.
 */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/** Returns a function that takes the next piece of the stream and returns the events it completed. */
export function sseParser(): (chunk: string) => SseEvent[] {
  let buffer = '';
  let event: Partial<SseEvent> & { data?: string } = {};
  return (chunk) => {
    buffer += chunk;
    const out: SseEvent[] = [];
    let newline: number;
    while ((newline = buffer.search(/\r?\n/)) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer[newline] === '\r' ? 2 : 1));
      if (line === '') {
        if (event.data !== undefined) out.push({ event: event.event ?? 'message', data: event.data, ...(event.id !== undefined ? { id: event.id } : {}) });
        event = {};
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'data') event.data = event.data === undefined ? value : `${event.data}\n${value}`;
      else if (field === 'event') event.event = value;
      else if (field === 'id') event.id = value;
    }
    return out;
  };
}
