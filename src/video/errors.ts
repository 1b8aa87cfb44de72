/**
 * Kinesis Video Streams wire errors (restJson1). The error name travels in the `x-amzn-ErrorType`
 * header, which @aws-sdk/client-kinesis-video reads first to pick the exception class, and the body is
 * `{"Message": "..."}` (the exceptions' `Message` member). Statuses per the KVS API reference of each
 * operation. The authentication failures come from the AWS front end, not the KVS model: real KVS
 * answers them with 403 and a lower-case `{"message"}` body, and so does camlink. These codes are
 * KVS's own, not camlink registry codes.
 */

export const kvsErrorStatus = {
  InvalidArgumentException: 400,
  ResourceInUseException: 400,
  AccountStreamLimitExceededException: 400,
  VersionMismatchException: 400,
  ClientLimitExceededException: 400,
  TagsPerResourceExceededLimitException: 400,
  InvalidResourceFormatException: 400,
  ConnectionLimitExceededException: 400,
  InvalidEndpointException: 400,
  NoDataRetentionException: 400,
  MissingCodecPrivateDataException: 400,
  InvalidCodecPrivateDataException: 400,
  UnsupportedStreamMediaTypeException: 400,
  NotAuthorizedException: 401,
  ResourceNotFoundException: 404,
  RequestEntityTooLargeException: 413,
  // The front end's authentication errors (not in the KVS model; the SDK names them generically).
  UnrecognizedClientException: 403,
  InvalidSignatureException: 403,
  IncompleteSignatureException: 403,
  MissingAuthenticationTokenException: 403,
  ExpiredTokenException: 403,
  UnknownOperationException: 404,
  InternalFailure: 500,
} as const;

export type KvsErrorType = keyof typeof kvsErrorStatus;

const frontEnd = new Set<KvsErrorType>([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'UnknownOperationException',
]);

export class KvsError extends Error {
  readonly status: number;
  constructor(
    readonly type: KvsErrorType,
    message: string,
  ) {
    super(message);
    this.name = type;
    this.status = kvsErrorStatus[type];
  }

  /** The JSON body: `Message` for modelled errors, `message` for the front end's. */
  body(): Record<string, string> {
    return frontEnd.has(this.type) ? { message: this.message } : { Message: this.message };
  }
}

export function isKvsError(err: unknown): err is KvsError {
  return err instanceof KvsError;
}

export const invalidArgument = (message: string): KvsError =>
  new KvsError('InvalidArgumentException', message);

export const streamNotFound = (): KvsError =>
  new KvsError('ResourceNotFoundException', 'The requested stream is not found or not active.');
