/** What every route of the studio shares: the runs directory, the data directory and the training jobs. */
import type { Jobs } from "./jobs.js";

export interface ServerContext {
  runsDir: string;
  dataDir?: string;
  jobs: Jobs;
}
