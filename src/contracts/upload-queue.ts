/** The queue the upload rule feeds and its dead-letter queue: the embedded platform and the CDK app. */
export const UPLOAD_QUEUE_NAME = 'camlink-uploads';
export const UPLOAD_DLQ_NAME = 'camlink-uploads-dlq';
/** How long the dead-letter queue keeps a message, from its first send (SQS's maximum: 14 days). */
export const UPLOAD_DLQ_RETENTION_SECONDS = 1_209_600;
