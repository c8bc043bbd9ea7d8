/** The job queue (BullMQ on Redis): producers, the sandboxed worker and the job listing. Calls src/app only. */
export { checkRedis, parseRedisUrl, QueueError, QUEUE_NAME } from "./connection.js";
export {
  enqueueTrain,
  enqueueSweep,
  enqueueEval,
  waitForJobs,
  type Enqueued,
  type Finished,
  type RetryOptions,
  type QueuedEvalOptions,
} from "./producer.js";
export { startWorker, stopWorker, processorFile, type WorkerOptions, type WorkerEvents } from "./worker.js";
export { listJobs, jobCounts, type JobRow } from "./status.js";
export type { TrainJob, EvalJob, ShardJob, TrainProgress, EvalProgress, EvalJobResult } from "./jobs.js";
