/** The SQS-compatible durable queue (JSON protocol): see docs/queue.md. */
export { startQueueServer, queueDbPath, type QueueServerOptions, type RunningQueueServer } from './server.js';
export { QueueStore, type QueueStoreOptions } from './store.js';
export { SqsError, sqsErrors, isSqsError } from './errors.js';
