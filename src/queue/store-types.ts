/** The shapes the queue store takes and returns, and its table rows (db.ts). */
import type { QueueSettings } from './attributes.js';
import type { MessageAttributes } from './md5.js';

export interface QueueInfo {
  readonly id: number;
  readonly name: string;
  readonly settings: QueueSettings;
  readonly createdAt: number;
  readonly modifiedAt: number;
}

export interface SendInput {
  body: string;
  attributes?: MessageAttributes;
  delaySeconds?: number;
}

export interface SentMessage {
  readonly messageId: string;
  readonly md5OfBody: string;
  readonly md5OfMessageAttributes: string | undefined;
}

export interface ReceivedMessage extends SentMessage {
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: MessageAttributes;
  readonly receiveCount: number;
  readonly sentAt: number;
  readonly firstReceivedAt: number;
}

export interface QueueCounts {
  visible: number;
  notVisible: number;
  delayed: number;
}

export interface QueueRow {
  id: number;
  name: string;
  settings: string;
  created_at: number;
  modified_at: number;
}

export interface MessageRow {
  id: number;
  message_id: string;
  body: string;
  md5_body: string;
  attributes: string | null;
  md5_attributes: string | null;
  sent_at: number;
  visible_at: number;
  receive_count: number;
  first_received_at: number | null;
  receipt_token: string | null;
}
