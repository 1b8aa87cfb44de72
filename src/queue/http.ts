/**
 * The HTTP side of the SQS JSON protocol: POST with `Content-Type: application/x-amz-json-1.0` and
 * `X-Amz-Target`, body size checked from Content-Length and while streaming (nothing past the limit is
 * buffered), SigV4 over the buffered body, then the action; errors as `{"__type", "message"}` with
 * `x-amzn-query-error: <code>;Sender|Receiver`.
 */
import { createHash, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log/logger.js';
import { authenticate, type QueueAuthOptions } from './auth.js';
import { SqsError, isSqsError } from './errors.js';
import { taskHandleSource } from './move-tasks.js';
import { runOperation, type JsonResponse } from './operations.js';
import { parseRequest, type ParsedRequest } from './requests.js';
import type { CredentialRecord } from '../auth/credentials.js';
import type { QueueStore } from './store.js';

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

export interface QueueHandlerOptions extends QueueAuthOptions {
  store: QueueStore;
  maxRequestBytes: number;
  baseUrl: () => string;
  logger?: Logger;
}

export function createQueueHandler(
  options: QueueHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const requestId = randomUUID();
    handle(req, res, options).then(
      (body) => send(res, 200, requestId, body),
      (err: unknown) => {
        const sqsError = isSqsError(err)
          ? err
          : new SqsError('InternalFailure', 'The request processing has failed.');
        if (!isSqsError(err)) options.logger?.error({ err, requestId }, 'queue request failed');
        if (sqsError.spec.status === 413) res.setHeader('connection', 'close');
        res.setHeader(
          'x-amzn-query-error',
          `${sqsError.spec.queryCode};${sqsError.spec.status >= 500 ? 'Receiver' : 'Sender'}`,
        );
        send(res, sqsError.spec.status, requestId, { __type: sqsError.spec.type, message: sqsError.message });
      },
    );
  };
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  options: QueueHandlerOptions,
): Promise<JsonResponse> {
  if (req.method !== 'POST') {
    throw new SqsError('UnknownOperation', 'The SQS JSON protocol takes POST requests only.');
  }
  const body = await readBody(req, options.maxRequestBytes);
  const verified = authenticate(req, createHash('sha256').update(body).digest('hex'), options);
  const contentType = req.headers['content-type'] ?? '';
  if (!contentType.startsWith(JSON_CONTENT_TYPE)) {
    throw new SqsError(
      'SerializationException',
      `Content-Type must be ${JSON_CONTENT_TYPE} (the SQS JSON protocol).`,
    );
  }
  const target = req.headers['x-amz-target'];
  const request = parseRequest(Array.isArray(target) ? target[0] : target, body.toString('utf8'));
  if (verified.credential.session !== undefined) authorizeSession(verified.credential, request, options);
  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.once('close', onClose);
  try {
    return await runOperation(request, {
      store: options.store,
      baseUrl: options.baseUrl(),
      signal: abort.signal,
    });
  } finally {
    res.removeListener('close', onClose);
  }
}

/**
 * An assumed role's request: its permission policy must allow the action on the queue's ARN. As in IAM,
 * a batch action is authorized as its single action (there is no sqs:DeleteMessageBatch), and a move
 * task's queue is its source (SourceArn, or the one in the task handle).
 */
function authorizeSession(
  credential: CredentialRecord,
  request: ParsedRequest,
  options: QueueHandlerOptions,
): void {
  const input = request.input;
  const arn =
    'QueueUrl' in input
      ? options.store.queueArn(options.store.queueNameFromUrl(input.QueueUrl))
      : 'QueueName' in input
        ? options.store.queueArn(input.QueueName)
        : 'SourceArn' in input
          ? input.SourceArn
          : 'TaskHandle' in input
            ? (taskHandleSource(input.TaskHandle) ?? options.store.queueArn('*'))
            : options.store.queueArn('*');
  const action = `sqs:${BATCH_ACTIONS[request.operation] ?? request.operation}` as const;
  if (options.authorizeSession?.(credential, action, arn) !== true) {
    throw new SqsError(
      'AccessDenied',
      `${credential.session?.roleArn ?? 'this role'} is not authorized to perform ${action} on ${arn}`,
    );
  }
}

const BATCH_ACTIONS: Partial<Record<ParsedRequest['operation'], string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

function tooLarge(limit: number): SqsError {
  return new SqsError(
    'RequestEntityTooLarge',
    `The request body is larger than the limit of ${limit} bytes.`,
  );
}

/** Buffers the body, refusing (before reading it) a declared length over the limit, and stopping at the limit. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeListener('data', onData);
        req.resume();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', reject);
  });
}

function send(res: ServerResponse, status: number, requestId: string, body: JsonResponse): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': JSON_CONTENT_TYPE,
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': requestId,
  });
  res.end(text);
}
