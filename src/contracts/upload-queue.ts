/** The queue the upload rule feeds and its dead-letter queue: the embedded platform and the CDK app. */
export const UPLOAD_QUEUE_NAME = 'camlink-uploads';
export const UPLOAD_DLQ_NAME = 'camlink-uploads-dlq';
