/**
 * SQS wire errors (SQS API Reference, "Common errors" and each action's "Errors"). The JSON protocol
 * answers `{"__type": "<namespace>#<Name>", "message": ...}` plus `x-amzn-query-error: <QueryCode>;Sender`
 * (AWS JSON 1.0 with awsQueryCompatible): @aws-sdk/client-sqs picks the exception class from the query
 * code first, then from `__type`. These codes stay SQS's own; they are not camlink registry codes.
 */

export interface SqsErrorSpec {
  /** `__type` as SQS sends it. */
  readonly type: string;
  /** The Query-protocol code in x-amzn-query-error (what SDK v2 and the CLI show as the code). */
  readonly queryCode: string;
  readonly status: number;
}

const sqs = (name: string, queryCode: string, status = 400): SqsErrorSpec => ({
  type: `com.amazonaws.sqs#${name}`,
  queryCode,
  status,
});
const coral = (name: string, queryCode: string, status: number): SqsErrorSpec => ({
  type: `com.amazon.coral.service#${name}`,
  queryCode,
  status,
});

export const sqsErrors = {
  QueueDoesNotExist: sqs('QueueDoesNotExist', 'AWS.SimpleQueueService.NonExistentQueue'),
  QueueNameExists: sqs('QueueNameExists', 'QueueAlreadyExists'),
  InvalidAttributeName: sqs('InvalidAttributeName', 'InvalidAttributeName'),
  InvalidAttributeValue: sqs('InvalidAttributeValue', 'InvalidAttributeValue'),
  InvalidParameterValue: sqs('InvalidParameterValueException', 'InvalidParameterValue'),
  MissingParameter: sqs('MissingRequiredParameterException', 'MissingParameter'),
  InvalidMessageContents: sqs('InvalidMessageContents', 'InvalidMessageContents'),
  ReceiptHandleIsInvalid: sqs('ReceiptHandleIsInvalid', 'ReceiptHandleIsInvalid'),
  MessageNotInflight: sqs('MessageNotInflight', 'AWS.SimpleQueueService.MessageNotInflight'),
  EmptyBatchRequest: sqs('EmptyBatchRequest', 'AWS.SimpleQueueService.EmptyBatchRequest'),
  TooManyEntriesInBatchRequest: sqs(
    'TooManyEntriesInBatchRequest',
    'AWS.SimpleQueueService.TooManyEntriesInBatchRequest',
  ),
  BatchEntryIdsNotDistinct: sqs(
    'BatchEntryIdsNotDistinct',
    'AWS.SimpleQueueService.BatchEntryIdsNotDistinct',
  ),
  BatchRequestTooLong: sqs('BatchRequestTooLong', 'AWS.SimpleQueueService.BatchRequestTooLong'),
  InvalidBatchEntryId: sqs('InvalidBatchEntryId', 'AWS.SimpleQueueService.InvalidBatchEntryId'),
  UnsupportedOperation: sqs('UnsupportedOperation', 'AWS.SimpleQueueService.UnsupportedOperation'),
  OverLimit: sqs('OverLimit', 'OverLimit', 403),
  ResourceNotFound: sqs('ResourceNotFoundException', 'ResourceNotFoundException', 404),
  UnknownOperation: coral('UnknownOperationException', 'InvalidAction', 400),
  SerializationException: coral('SerializationException', 'MalformedQueryString', 400),
  RequestEntityTooLarge: coral('RequestEntityTooLargeException', 'RequestEntityTooLarge', 413),
  // Authentication (SigV4) failures, as SQS's JSON endpoint reports them.
  UnrecognizedClient: coral('UnrecognizedClientException', 'InvalidClientTokenId', 403),
  SignatureDoesNotMatch: coral('InvalidSignatureException', 'SignatureDoesNotMatch', 403),
  RequestExpired: coral('InvalidSignatureException', 'RequestExpired', 403),
  IncompleteSignature: coral('IncompleteSignatureException', 'IncompleteSignature', 403),
  MissingAuthenticationToken: coral('MissingAuthenticationTokenException', 'MissingAuthenticationToken', 403),
  ExpiredToken: coral('ExpiredTokenException', 'ExpiredToken', 403),
  AccessDenied: sqs('AccessDeniedException', 'AccessDenied', 403),
  InternalFailure: coral('InternalFailure', 'InternalFailure', 500),
} as const satisfies Record<string, SqsErrorSpec>;

export type SqsErrorName = keyof typeof sqsErrors;

export class SqsError extends Error {
  readonly spec: SqsErrorSpec;
  constructor(
    readonly errorName: SqsErrorName,
    message: string,
  ) {
    super(message);
    this.name = 'SqsError';
    this.spec = sqsErrors[errorName];
  }
}

export function isSqsError(err: unknown, name?: SqsErrorName): err is SqsError {
  return err instanceof SqsError && (name === undefined || err.errorName === name);
}

/** The standard "invalid parameter" sentence SQS uses. */
export function invalidParameter(name: string, value: unknown, reason: string): SqsError {
  return new SqsError(
    'InvalidParameterValue',
    `Value ${String(value)} for parameter ${name} is invalid. Reason: ${reason}`,
  );
}
