/**
 * The job queue's modules, loaded when a command first needs them: BullMQ and ioredis take about 0.4 s to import,
 * which every command that never touches the queue (most of them) would otherwise pay at start.
 */
export const loadQueue = (): Promise<typeof import("../queue/index.js")> => import("../queue/index.js");
