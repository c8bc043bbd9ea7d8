// The page's only way to the studio: the JSON API under /api. Errors carry the server's message.
async function call(method, path, body) {
  const res = await fetch(`/api${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? data.message ?? `${method} ${path}: HTTP ${res.status}`);
  return data;
}

export const api = {
  get: (path) => call("GET", path),
  post: (path, body = {}) => call("POST", path, body),
  /** Server-Sent Events of a path: onEvent(type, data) for each, until the server ends the stream or stop() */
  events(path, types, onEvent) {
    const es = new EventSource(`/api${path}`);
    // a connection error is also an "error" event, without data: only the server's own events carry some
    for (const t of types) es.addEventListener(t, (e) => e.data !== undefined && onEvent(t, JSON.parse(e.data)));
    // the server ends the stream when the work is over; the browser would otherwise reconnect
    es.onerror = () => es.close();
    return () => es.close();
  },
};

let models = null;
/** The model catalog (capabilities, option schemas, recipes, published numbers), fetched once. */
export async function modelCatalog() {
  models ??= await api.get("/models");
  return models;
}

export const has = (run, capability) => (run.capabilities ?? []).includes(capability);
export const hasDensity = (run) => has(run, "exact-density") || has(run, "bounded-density");
