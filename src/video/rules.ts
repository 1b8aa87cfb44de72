/**
 * The Kinesis Video Streams model's limits and patterns (KVS API reference, "Data Types" and each
 * operation's request parameters), shared by the request parser and the store.
 */

export const STREAM_NAME = /^[a-zA-Z0-9_.-]{1,256}$/;
export const DEVICE_NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
/** One or more MIME types, comma separated ("video/h264", "video/h264,audio/aac"). */
export const MEDIA_TYPE = /^[\w\-.+]+\/[\w\-.+]+(,[\w\-.+]+\/[\w\-.+]+)*$/;
export const MEDIA_TYPE_MAX = 128;
export const KMS_KEY_ID_MAX = 2048;
export const STREAM_ARN = /^arn:[a-z\d-]+:kinesisvideo:[a-z0-9-]+:[0-9]+:[a-z]+\/[a-zA-Z0-9_.-]+\/[0-9]+$/;
export const STREAM_ARN_MAX = 1024;
/** Version strings: what CreateStream hands out and CurrentVersion must match. */
export const VERSION = /^[a-zA-Z0-9]{1,64}$/;

/** Data retention: 0 (keep nothing) up to 10 years, in hours. */
export const MAX_RETENTION_HOURS = 87_600;

export const MAX_TAGS_PER_STREAM = 50;
export const TAG_KEY = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
export const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

export const LIST_STREAMS_MAX_RESULTS = 10_000;
export const NEXT_TOKEN = /^[a-zA-Z0-9+/=]{0,512}$/;

export const API_NAMES = [
  'PUT_MEDIA',
  'GET_MEDIA',
  'LIST_FRAGMENTS',
  'GET_MEDIA_FOR_FRAGMENT_LIST',
  'GET_HLS_STREAMING_SESSION_URL',
  'GET_DASH_STREAMING_SESSION_URL',
  'GET_CLIP',
  'GET_IMAGES',
] as const;
export type ApiName = (typeof API_NAMES)[number];
