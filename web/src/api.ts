// The page's only way to the studio: the JSON API under /api. Errors carry the server's message.

/** Images on the wire: n images of shape [C, H, W], bytes 0–255 in base64. */
export interface WireImages {
  n: number;
  shape: [number, number, number];
  data: string;
  seconds?: number;
}

export interface Published {
  nll_nats: number;
  source: string;
  data: string;
}

/** A training process's state, while the studio runs one for the run */
export interface JobInfo {
  state: string;
}

/** One line of a run's metrics.jsonl */
export interface EpochRecord {
  epoch: number;
  /** the run's step count at the epoch's end */
  step?: number;
  train_loss: number;
  /** train_loss in bits per dimension; null when the loss is not −log p (absent in records before this field) */
  train_bits_per_dim?: number | null;
  valid_nll_nats?: number;
  valid_bits_per_dim?: number;
  estimator?: string;
}

/** One training step, as the run's event stream sends it (in batches: event "steps", {points}) */
export interface StepPoint {
  step: number;
  /** the first phase's loss: nats per image for a model with a density */
  loss: number;
  /** only for a one-phase model with a density */
  bits_per_dim?: number;
  lr?: number;
  /** since the training process began training */
  seconds: number;
}

export interface RunSummary {
  id: string;
  model: string;
  dataset: string;
  epochs: number;
  plannedEpochs: number;
  best_valid_nll_nats?: number;
  valid_estimator?: string;
  test_nll_nats?: number;
  test_bits_per_dim?: number;
  test_estimator?: string;
  /** what the run's files say: finished, stopped (a saved position), failed (the training crashed) or empty */
  status: string;
  /** why a failed run failed */
  error?: string;
  updated: number;
  capabilities: string[];
  job?: JobInfo | null;
  published?: Published;
}

export interface RunDetail extends RunSummary {
  config: { seed: number; options: Record<string, unknown>; dim?: number } & Record<string, unknown>;
  records: EpochRecord[];
}

export interface Recipe {
  dataset: string;
  epochs: number;
  batchSize: number;
  lr: number;
  options?: Record<string, unknown>;
}

/** JSON Schema of one option, as zod exports it */
export interface OptionSchema {
  type?: string;
  enum?: (string | number)[];
  default?: unknown;
  description?: string;
  minimum?: number;
  exclusiveMinimum?: number;
  maximum?: number;
}

export interface ModelInfo {
  name: string;
  description: string;
  family: string;
  can: string[];
  published?: Published;
  recipe: Recipe;
  recipes: Record<string, Recipe>;
  optionsSchema: { properties?: Record<string, OptionSchema> };
}

async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`/api${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = (await res.json().catch(() => ({}))) as { error?: string; message?: string };
  if (!res.ok) throw new Error(data.error ?? data.message ?? `${method} ${path}: HTTP ${res.status}`);
  return data as T;
}

export const api = {
  get: <T>(path: string): Promise<T> => call<T>("GET", path),
  post: <T>(path: string, body: unknown = {}): Promise<T> => call<T>("POST", path, body),
  /** Server-Sent Events of a path: onEvent(type, data) for each, until the server ends the stream or stop() */
  events(path: string, types: readonly string[], onEvent: (type: string, data: unknown) => void): () => void {
    const es = new EventSource(`/api${path}`);
    // a connection error is also an "error" event, without data: only the server's own events carry some
    for (const t of types)
      es.addEventListener(t, (e) => {
        const data = (e as MessageEvent<string | undefined>).data;
        if (data !== undefined) onEvent(t, JSON.parse(data));
      });
    // the server ends the stream when the work is over; the browser would otherwise reconnect
    es.onerror = () => es.close();
    return () => es.close();
  },
};

const runPath = (id: string): string => `/runs/${encodeURIComponent(id)}`;
export const runUrl = runPath;

let models: Promise<ModelInfo[]> | null = null;
/** The model catalog (capabilities, option schemas, recipes, published numbers), fetched once. */
export function modelCatalog(): Promise<ModelInfo[]> {
  models ??= api.get<ModelInfo[]>("/models");
  return models;
}

export const has = (run: RunSummary, capability: string): boolean => (run.capabilities ?? []).includes(capability);
export const hasDensity = (run: RunSummary): boolean => has(run, "exact-density") || has(run, "bounded-density");
/** a run whose files hold weights to use */
export const isTrained = (run: RunSummary): boolean => run.status !== "empty";
