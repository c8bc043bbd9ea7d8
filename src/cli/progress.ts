/** A progress bar on stderr (stdout stays clean for --json); plain periodic lines when stderr is not a TTY. */
import cliProgress from "cli-progress";

export class Progress {
  #bar: cliProgress.SingleBar;
  #running = false;

  constructor(readonly total: number) {
    this.#bar = new cliProgress.SingleBar(
      {
        stream: process.stderr,
        noTTYOutput: true,
        notTTYSchedule: 10000,
        format: "epoch {epoch} [{bar}] {value}/{total} batches | loss {loss} | {eta_formatted} left",
        hideCursor: false,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  start(epoch: number, at: number): void {
    this.#bar.start(this.total, at, { epoch, loss: "-" });
    this.#running = true;
  }

  update(at: number, loss: number): void {
    this.#bar.update(at, { loss: loss.toFixed(3) });
  }

  stop(): void {
    if (this.#running) this.#bar.stop();
    this.#running = false;
  }
}
