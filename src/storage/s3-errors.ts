/**
 * S3 wire errors: S3's own codes with S3's HTTP statuses (S3 API Reference "Error responses", "List
 * of error codes"), written in S3's XML shape. These are not camlink registry codes: clients such as
 * @aws-sdk/client-s3 match on them. Authentication failures from src/auth arrive as AuthError and keep
 * their code.
 */
import type { AuthErrorCode } from '../auth/sigv4/errors.js';

export const s3ErrorTable = {
  AccessDenied: { status: 403, message: 'Access Denied' },
  AuthorizationHeaderMalformed: { status: 400, message: 'The authorization header is malformed.' },
  AuthorizationQueryParametersError: {
    status: 400,
    message: 'Error parsing the X-Amz-Credential parameter.',
  },
  BadDigest: {
    status: 400,
    message: 'The Content-MD5 or checksum you specified did not match what we received.',
  },
  BucketAlreadyOwnedByYou: {
    status: 409,
    message: 'Your previous request to create the named bucket succeeded and you already own it.',
  },
  BucketNotEmpty: { status: 409, message: 'The bucket you tried to delete is not empty.' },
  EntityTooLarge: { status: 400, message: 'Your proposed upload exceeds the maximum allowed object size.' },
  EntityTooSmall: {
    status: 400,
    message: 'Your proposed upload is smaller than the minimum allowed object size.',
  },
  ExpiredToken: { status: 400, message: 'The provided token has expired.' },
  IncompleteBody: {
    status: 400,
    message: 'You did not provide the number of bytes specified by the Content-Length HTTP header.',
  },
  /**
   * Not in S3's list (S3 never fills up); the WebDAV status (RFC 4918 §11.5) S3-compatible stores
   * answer when their disk is full, as MinIO does with 507. Retryable: space may be freed.
   */
  InsufficientStorage: {
    status: 507,
    message: 'The store has not enough free space to store this object. Please retry later.',
  },
  InternalError: { status: 500, message: 'We encountered an internal error. Please try again.' },
  InvalidAccessKeyId: {
    status: 403,
    message: 'The AWS access key ID you provided does not exist in our records.',
  },
  InvalidArgument: { status: 400, message: 'Invalid Argument' },
  InvalidBucketName: { status: 400, message: 'The specified bucket is not valid.' },
  InvalidChunkSizeError: {
    status: 403,
    message: 'Only the last chunk is allowed to have a size less than 8192 bytes',
  },
  InvalidDigest: { status: 400, message: 'The Content-MD5 you specified is not valid.' },
  InvalidURI: { status: 400, message: "Couldn't parse the specified URI." },
  InvalidPart: { status: 400, message: 'One or more of the specified parts could not be found.' },
  InvalidPartOrder: { status: 400, message: 'The list of parts was not in ascending order.' },
  InvalidRange: { status: 416, message: 'The requested range is not satisfiable' },
  InvalidRequest: { status: 400, message: 'Invalid Request' },
  InvalidToken: { status: 400, message: 'The provided token is malformed or otherwise invalid.' },
  KeyTooLongError: { status: 400, message: 'Your key is too long.' },
  MalformedXML: { status: 400, message: 'The XML you provided was not well-formed or did not validate.' },
  MetadataTooLarge: {
    status: 400,
    message: 'Your metadata headers exceed the maximum allowed metadata size.',
  },
  MethodNotAllowed: { status: 405, message: 'The specified method is not allowed against this resource.' },
  MissingContentLength: { status: 411, message: 'You must provide the Content-Length HTTP header.' },
  MissingSecurityHeader: { status: 400, message: 'Your request is missing a required header.' },
  NoSuchBucket: { status: 404, message: 'The specified bucket does not exist.' },
  NoSuchKey: { status: 404, message: 'The specified key does not exist.' },
  NoSuchUpload: { status: 404, message: 'The specified multipart upload does not exist.' },
  NotImplemented: {
    status: 501,
    message: 'A header or query you provided implies functionality that is not implemented.',
  },
  PreconditionFailed: {
    status: 412,
    message: 'At least one of the preconditions you specified did not hold.',
  },
  RequestHeaderSectionTooLarge: {
    status: 400,
    message: 'Your request header section exceeds the maximum allowed size.',
  },
  RequestTimeTooSkewed: {
    status: 403,
    message: 'The difference between the request time and the current time is too large.',
  },
  SignatureDoesNotMatch: {
    status: 403,
    message: 'The request signature we calculated does not match the signature you provided.',
  },
  TooManyParts: { status: 400, message: 'You have attempted to upload more parts than allowed.' },
  XAmzContentSHA256Mismatch: {
    status: 400,
    message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
  },
} as const satisfies Record<string, { status: number; message: string }> &
  Record<AuthErrorCode, { status: number; message: string }>;

export type S3ErrorCode = keyof typeof s3ErrorTable;

export class S3Error extends Error {
  readonly status: number;
  /** Set when the thrower logged the failure with its details already (the router then does not). */
  logged = false;
  constructor(
    readonly code: S3ErrorCode,
    message?: string,
    /** Extra elements S3 adds to some errors (e.g. ArgumentName, MaxSizeAllowed). */
    readonly extra: Readonly<Record<string, string>> = {},
  ) {
    super(message ?? s3ErrorTable[code].message);
    this.name = 'S3Error';
    this.status = s3ErrorTable[code].status;
  }
}
