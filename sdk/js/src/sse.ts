// A Server-Sent Events reader over fetch: unlike EventSource it can send
// headers (a grant and a request proof), and it runs the same in Node 20+
// and in browsers.

/** One event as the server sent it. */
export interface SSEvent {
  id?: string;
  event: string;
  data: string;
}

/** Lines longer than this end the stream (a node sends one entry per event, each bounded). */
export const maxEventBytes = 1 << 20;

/**
 * readEvents calls onEvent for each event of an event-stream body until it
 * ends (resolves) or fails (rejects).
 */
export async function readEvents(body: ReadableStream<Uint8Array>, onEvent: (e: SSEvent) => void, onData?: () => void): Promise<void> {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  let data: string[] = [];
  let event = "";
  let id: string | undefined;
  let size = 0;
  const line = (l: string) => {
    if (l === "") {
      if (data.length > 0) onEvent({ id, event: event || "message", data: data.join("\n") });
      data = [];
      event = "";
      id = undefined;
      size = 0;
      return;
    }
    if (l.startsWith(":")) return;
    const i = l.indexOf(":");
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? "" : l.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    // Every line counts (an empty data line too), so no event grows past
    // the bound however it is cut into lines.
    size += l.length + 1;
    if (size > maxEventBytes) throw new Error(`an event over ${maxEventBytes} bytes`);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
  };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      onData?.(); // any bytes (a keepalive comment too) show the connection alive
      buf += dec.decode(value, { stream: true });
      let m: RegExpExecArray | null;
      const re = /\r\n|\n|\r/g;
      let start = 0;
      while ((m = re.exec(buf))) {
        // A lone \r at the very end may be the first half of \r\n.
        if (m[0] === "\r" && m.index === buf.length - 1) break;
        line(buf.slice(start, m.index));
        start = m.index + m[0].length;
      }
      buf = buf.slice(start);
      // Only the line still unterminated is bounded here; complete lines
      // count toward their event's bound.
      if (buf.length > maxEventBytes) throw new Error(`a line over ${maxEventBytes} bytes`);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    throw e;
  } finally {
    reader.releaseLock();
  }
}
