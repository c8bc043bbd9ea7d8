/**
 * Training runs in progress. Each run trains in a child process (src/server/train-worker.ts) so the server stays
 * responsive; its events are kept (for a tab that opens later) and passed to every listener (each open tab's event
 * stream). A stop request reaches fit's AbortSignal in the child, which saves the position; resume starts fit again on
 * the same directory with `resume`. Every step's point is passed on and the newest are kept (StepHistory, carried over
 * to the run's next session in this server), so a tab that opens later draws the per-step curve so far. A training
 * that crashes (an error, a killed process) or diverges marks its run failed in the run directory (status.json, beside
 * the checkpoints it had saved), so the runs list shows it after a restart too.
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { resolveRun, type RunSpec } from "../app/index.js";
import { clearRunFailure, markRunFailed } from "../app/runs-index.js";
import { StepHistory } from "./step-points.js";
import type { WorkerEvent, WorkerRequest } from "./train-worker.js";

export type JobState = "starting" | "training" | "testing" | "stopping" | "done" | "failed";

/** What a page receives: the worker's events plus the job's own state and progress estimates. */
export type JobEvent =
  | WorkerEvent
  | { type: "state"; state: JobState }
  | { type: "progress"; step: number; totalSteps: number; fraction: number; elapsed: number; eta: number | null };

export interface JobInfo {
  id: string;
  runDir: string;
  model: string;
  state: JobState;
  startedAt: number;
  error?: string;
}

type Listener = (e: JobEvent) => void;

const here = fileURLToPath(import.meta.url);
/** the worker next to this file, as .ts under tsx and .js when built */
const WORKER = path.join(path.dirname(here), `train-worker${path.extname(here)}`);

export class Job {
  state: JobState = "starting";
  error?: string;
  readonly startedAt = Date.now();
  /** every event except step reports, for listeners that come later; plus the step points, latest step, progress */
  readonly history: JobEvent[] = [];
  latestStep: JobEvent | null = null;
  latestProgress: JobEvent | null = null;
  #listeners = new Set<Listener>();
  #child: ChildProcess;
  #firstStep: { step: number; at: number } | null = null;
  #epochs = 0;
  #exited: Promise<void>;
  #ready: { resolve(): void; reject(e: Error): void } | null = null;
  /** settles when the run has started (its config.json written) or failed before that */
  readonly ready = new Promise<void>((resolve, reject) => (this.#ready = { resolve, reject }));

  constructor(
    readonly id: string,
    readonly runDir: string,
    readonly model: string,
    spec: RunSpec,
    epochs: number,
    /** the run's points from its earlier sessions in this server, continued by this one */
    readonly steps = new StepHistory(),
  ) {
    this.#child = fork(WORKER, [], { stdio: ["ignore", "ignore", "pipe", "ipc"] });
    let stderr = "";
    this.#child.stderr?.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    this.#child.on("message", (e: WorkerEvent) => this.#onWorker(e));
    // a stop sent while the process is already leaving fails with EPIPE; its exit is reported below
    this.#child.on("error", () => {});
    this.#exited = new Promise((resolve) =>
      this.#child.on("exit", (code) => {
        if (this.state !== "done" && this.state !== "failed")
          this.#fail(`the training process ended unexpectedly (exit code ${code}) ${stderr.trim()}`.trim());
        resolve();
      }),
    );
    this.#epochs = epochs;
    this.#send({ type: "fit", spec });
  }

  get info(): JobInfo {
    return {
      id: this.id,
      runDir: this.runDir,
      model: this.model,
      state: this.state,
      startedAt: this.startedAt,
      ...(this.error ? { error: this.error } : {}),
    };
  }

  get finished(): boolean {
    return this.state === "done" || this.state === "failed";
  }

  /** Calls `l` with the history so far, then with every new event; returns the unsubscribe function. */
  listen(l: Listener): () => void {
    for (const e of this.history) l(e);
    for (const points of this.steps.chunks()) l({ type: "steps", points });
    if (this.latestStep) l(this.latestStep);
    if (this.latestProgress) l(this.latestProgress);
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  stop(): void {
    if (this.finished) return;
    this.#setState("stopping");
    this.#send({ type: "stop" });
  }

  /** Resolves when the training process has exited. */
  exited(): Promise<void> {
    return this.#exited;
  }

  #send(m: WorkerRequest): void {
    if (this.#child.connected) this.#child.send(m);
  }

  #emit(e: JobEvent): void {
    if (e.type === "step") this.latestStep = e;
    else if (e.type === "steps") this.steps.push(e.points);
    else if (e.type === "progress") this.latestProgress = e;
    else this.history.push(e);
    for (const l of this.#listeners) l(e);
  }

  #setState(state: JobState): void {
    this.state = state;
    this.#emit({ type: "state", state });
  }

  #fail(message: string): void {
    this.error = message;
    // a run that never began (no config.json) has no directory to mark: its error reaches the request instead
    if (existsSync(path.join(this.runDir, "config.json"))) markRunFailed(this.runDir, message);
    this.#ready?.reject(new JobStartError(message));
    this.#ready = null;
    this.#emit({ type: "error", message });
    this.#setState("failed");
  }

  #onWorker(e: WorkerEvent): void {
    if (e.type === "error") return this.#fail(e.message);
    this.#emit(e);
    if (e.type === "start") {
      this.#epochs = Number((e.info.training as { epochs?: number } | undefined)?.epochs ?? this.#epochs);
      if (this.state === "starting") this.#setState("training");
      this.#ready?.resolve();
      this.#ready = null;
    } else if (e.type === "step") this.#progress(e);
    else if (e.type === "test-start") this.#setState("testing");
    else if (e.type === "done") {
      // a loss that became NaN or infinite ends fit with a diverged result, not an error: the run failed all the same
      if (e.result.status === "diverged") this.#fail(String(e.result.reason ?? "the training diverged"));
      else this.#setState("done");
    }
  }

  /** Fraction done and the time left, from the rate of steps in this session. */
  #progress(e: Extract<WorkerEvent, { type: "step" }>): void {
    const now = Date.now();
    this.#firstStep ??= { step: e.step - 1, at: this.startedAt };
    const total = Math.max(this.#epochs * e.batchesPerEpoch, e.step);
    const rate = (e.step - this.#firstStep.step) / Math.max(now - this.#firstStep.at, 1);
    this.#emit({
      type: "progress",
      step: e.step,
      totalSteps: total,
      fraction: e.step / total,
      elapsed: (now - this.startedAt) / 1000,
      eta: rate > 0 ? (total - e.step) / rate / 1000 : null,
    });
  }
}

/** The jobs of one server, by run id (the run directory's name). */
export class Jobs {
  readonly #jobs = new Map<string, Job>();

  get(id: string): Job | undefined {
    return this.#jobs.get(id);
  }

  list(): Job[] {
    return [...this.#jobs.values()];
  }

  /**
   * Validates the spec (throwing a plain error for bad options), starts training it in a new process and resolves
   * once the run has begun (its directory holds config.json), or rejects with the reason it could not.
   */
  async start(id: string, spec: RunSpec): Promise<Job> {
    const running = this.#jobs.get(id);
    if (running && !running.finished) throw new JobConflictError(`run "${id}" is already training`);
    const busy = this.list().filter((j) => !j.finished).length;
    if (busy >= MAX_TRAININGS)
      throw new TooManyError(`${busy} trainings are running; stop one or wait (at most ${MAX_TRAININGS} at a time)`);
    const r = resolveRun(spec);
    clearRunFailure(r.runDir);
    const job = new Job(id, r.runDir, spec.model, spec, r.config.training.epochs, running?.steps);
    this.#jobs.set(id, job);
    await job.ready;
    return job;
  }

  /** Stops every job and waits for their processes (each saves its position). */
  async close(): Promise<void> {
    for (const j of this.#jobs.values()) j.stop();
    await Promise.all([...this.#jobs.values()].map((j) => j.exited()));
  }
}

export class JobConflictError extends Error {}

/** Trainings one studio runs at once (each a process with its own threads). */
export const MAX_TRAININGS = 4;

export class TooManyError extends Error {
  readonly statusCode = 429;
}
/** A run that failed before its first step (e.g. its data could not be read). */
export class JobStartError extends Error {}
