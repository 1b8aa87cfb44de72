/**
 * The upload queue the topic rule feeds (src/contracts/upload-rule.ts) and the backend consumes, with
 * its dead-letter queue: a message the backend fails to handle five times is parked there, and the
 * rule's errorAction sends there what it could not deliver.
 */
import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { UPLOAD_DLQ_NAME, UPLOAD_QUEUE_NAME } from '../../src/contracts/upload-queue.js';

export interface CamlinkUploadQueueProps {
  /**
   * Receives before a message moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * How long a received message stays hidden from other consumers.
   * @default Duration.seconds(60)
   */
  readonly visibilityTimeout?: Duration;
  /**
   * How long the dead-letter queue keeps messages.
   * @default Duration.days(14) (the SQS maximum)
   */
  readonly deadLetterRetention?: Duration;
}

export class CamlinkUploadQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: CamlinkUploadQueueProps = {}) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      queueName: UPLOAD_DLQ_NAME,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: props.deadLetterRetention ?? Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Queue', {
      queueName: UPLOAD_QUEUE_NAME,
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: props.visibilityTimeout ?? Duration.seconds(60),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
  }
}
