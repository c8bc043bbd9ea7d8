/** A studio on a random port over a fresh runs directory, JSON calls and Server-Sent Events read from real HTTP. */
import path from "node:path";
import { startStudio, type Studio } from "../../src/server/server.js";
import { tempDir } from "../tmp.js";

/** A JSON response body, read field by field by the assertions */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function tempStudio(): Promise<Studio & { runsDir: string }> {
  const runsDir = path.join(tempDir("deepgen-studio-"), "runs");
  const s = await startStudio({ runsDir, port: 0 });
  return { ...s, runsDir };
}

export async function call<T = Json>(
  base: string,
  method: string,
  p: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(`api${p}`, base), {
    method,
    ...(body !== undefined ? { headers: { "content-type": "application/json" }, body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

export interface SseEvent {
  event: string;
  data: Json;
}

/**
 * Reads a run's event stream until the server ends it (the training process finished) or `until` says stop;
 * `onEvent` sees each event as it arrives.
 */
export async function readEvents(
  base: string,
  id: string,
  onEvent: (e: SseEvent) => void | Promise<void> = () => {},
): Promise<SseEvent[]> {
  const res = await fetch(new URL(`api/runs/${id}/events`, base));
  if (!res.ok || !res.body) throw new Error(`events of ${id}: HTTP ${res.status}`);
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let at;
    while ((at = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, at);
      buf = buf.slice(at + 2);
      const ev = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (!ev || data === undefined) continue;
      const e = { event: ev, data: JSON.parse(data) };
      events.push(e);
      await onEvent(e);
    }
  }
  return events;
}

export const bytesOf = (wire: { data: string }): Uint8Array => new Uint8Array(Buffer.from(wire.data, "base64"));
