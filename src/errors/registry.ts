/**
 * The one registry of camlink error codes. Codes are stable: tests and users match on them, never on
 * message text. Each entry carries the HTTP status a REST surface answers with, whether a caller may
 * retry, and a one-line summary that docs/errors.md repeats (a test keeps the two in step).
 */
export interface ErrorSpec {
  readonly status: number;
  readonly retryable: boolean;
  readonly summary: string;
}

export const errorRegistry = {
  CLI_USAGE: { status: 400, retryable: false, summary: 'The command line is not valid for this command.' },
  CONFIG_INVALID: {
    status: 400,
    retryable: false,
    summary: 'A configuration value does not match the schema.',
  },
  CONFIG_FILE_UNREADABLE: {
    status: 400,
    retryable: false,
    summary: 'The configuration file cannot be read or is not valid JSON.',
  },
  FILE_UNREADABLE: { status: 400, retryable: false, summary: 'An input file cannot be read.' },
  FILE_TOO_LARGE: { status: 413, retryable: false, summary: 'An input file is larger than its limit.' },
  FILE_EXISTS: {
    status: 409,
    retryable: false,
    summary: 'The output file exists; pass --force to replace it.',
  },
  DEVICE_ID_INVALID: {
    status: 400,
    retryable: false,
    summary:
      'A device id is not a valid thing name (1-128 of A-Z a-z 0-9 : _ -, and the configured pattern).',
  },
  PKI_CA_EXISTS: {
    status: 409,
    retryable: false,
    summary: 'A CA already exists in the data dir; pass --force.',
  },
  PKI_CA_NOT_FOUND: {
    status: 404,
    retryable: false,
    summary: 'No CA in the data dir; run `camlink ca init`.',
  },
  PKI_PEM_MALFORMED: { status: 400, retryable: false, summary: 'The input is not the expected PEM block.' },
  PKI_CSR_MALFORMED: {
    status: 400,
    retryable: false,
    summary: 'The certificate signing request cannot be parsed.',
  },
  PKI_CSR_BAD_SIGNATURE: {
    status: 400,
    retryable: false,
    summary: 'The certificate signing request signature does not verify.',
  },
  PKI_KEY_UNSUPPORTED: {
    status: 400,
    retryable: false,
    summary: 'The key type is not accepted (EC P-256/P-384, RSA 2048-4096).',
  },
  PKI_VALIDITY_EXCEEDS_CA: {
    status: 400,
    retryable: false,
    summary: 'The requested validity ends after the CA certificate expires.',
  },
  PKI_SAN_INVALID: {
    status: 400,
    retryable: false,
    summary: 'A subject alternative name is not a DNS name or IP.',
  },
  PKI_REGISTRATION_CODE_INVALID: {
    status: 400,
    retryable: false,
    summary: 'The AWS IoT registration code is not 1-64 letters and digits.',
  },
  PKI_DEVICE_NOT_FOUND: {
    status: 404,
    retryable: false,
    summary: 'No valid certificate was issued to this device.',
  },
  PKI_STORE_CORRUPT: {
    status: 500,
    retryable: false,
    summary: 'The PKI index in the data dir cannot be read.',
  },
  PKI_LOCKED: {
    status: 503,
    retryable: true,
    summary: 'Another camlink process holds the PKI lock; retry when it is done.',
  },
  DATA_DIR_LOCKED: {
    status: 409,
    retryable: false,
    summary:
      'Another camlink process runs the platform on this data dir (the message names its pid, host and start time); stop it or use another data dir.',
  },
  REHEARSAL_TARGET_INVALID: {
    status: 400,
    retryable: false,
    summary: 'A rehearsal target (partition, region, account, endpoint prefix, COS) is not valid.',
  },
  REHEARSAL_HOSTS_INVALID: {
    status: 400,
    retryable: false,
    summary: 'The rehearsal host map is unreadable or maps a name to something other than loopback.',
  },
  TLS_FILES_INVALID: {
    status: 400,
    retryable: false,
    summary: 'Configured server certificate/key files (tls.*) cannot be read or do not match.',
  },
  PORT_IN_USE: {
    status: 409,
    retryable: false,
    summary:
      'A service cannot listen: its host:port is in use (often another `camlink up`); the message names the service and the config key to change.',
  },
  PORT_NOT_PERMITTED: {
    status: 403,
    retryable: false,
    summary:
      'A service may not listen on its host:port (a port below 1024 without privilege, or an address not on this machine).',
  },
  IAM_STORE_UNAVAILABLE: {
    status: 500,
    retryable: false,
    summary: 'The IAM role database cannot be opened or has a newer schema than this camlink.',
  },
  STS_ROLES_INVALID: {
    status: 400,
    retryable: false,
    summary: 'An STS role definition is not valid (role ARN, trusted principals, duration).',
  },
  POLICY_INVALID: {
    status: 400,
    retryable: false,
    summary: 'An AWS IoT policy document is not valid or too large.',
  },
  RULE_SQL_INVALID: {
    status: 400,
    retryable: false,
    summary: 'A rule SQL statement or substitution template is not valid AWS IoT SQL (2016-03-23 subset).',
  },
  RULE_INVALID: {
    status: 400,
    retryable: false,
    summary: 'A rule definition is not valid (name, actions, topics, or a republish loop).',
  },
  RULE_ACTION_FAILED: {
    status: 502,
    retryable: true,
    summary: 'A rule action failed; the message was not acknowledged and may be sent again.',
  },
  STORAGE_OPTIONS_INVALID: {
    status: 400,
    retryable: false,
    summary: 'The object store cannot start with these options (TLS material, dev HTTP binding, data dir).',
  },
  STORAGE_SIDECAR_CORRUPT: {
    status: 500,
    retryable: false,
    summary:
      'Log code: an object sidecar (or bucket record) does not parse; the start-up scan moved it to quarantine/ and serves the rest.',
  },
  STORAGE_DATA_UNREFERENCED: {
    status: 500,
    retryable: false,
    summary:
      'Log code: a data file no sidecar names; quarantined once older than the safety age, left in place before (never deleted).',
  },
  STORAGE_OBJECT_DAMAGED: {
    status: 500,
    retryable: false,
    summary:
      "Log code: an object's data file is missing or not the size its sidecar records; GetObject/HeadObject answer 500 InternalError.",
  },
  PRESIGN_INVALID: {
    status: 400,
    retryable: false,
    summary:
      'A pre-signed URL cannot be made with these parameters (expiry, region, bucket, key, credentials).',
  },
  PRESIGN_CREDENTIALS_EXPIRING: {
    status: 503,
    retryable: true,
    summary:
      'The signing credentials expire too soon for a usable pre-signed URL, even after a refresh (check the credential source).',
  },
  CREDENTIAL_PROCESS_FAILED: {
    status: 502,
    retryable: true,
    summary:
      'The configured credential process failed, timed out, printed too much or did not print the expected credentials JSON.',
  },
  QUEUE_STORE_UNAVAILABLE: {
    status: 500,
    retryable: false,
    summary: 'The queue database cannot be opened or has a newer schema than this camlink.',
  },
  QUEUE_NO_DEAD_LETTER_QUEUE: {
    status: 404,
    retryable: false,
    summary:
      '`camlink queue`: the queue has no dead-letter queue (no RedrivePolicy), so there is nothing to count or redrive.',
  },
  QUEUE_REDRIVE_FAILED: {
    status: 502,
    retryable: true,
    summary:
      '`camlink queue redrive`: the message move task ended FAILED or CANCELLED; what it had moved stays moved, the rest stays in the dead-letter queue.',
  },
  VIDEO_STORE_UNAVAILABLE: {
    status: 500,
    retryable: false,
    summary: 'The video stream database cannot be opened or has a newer schema than this camlink.',
  },
  AUTH_REQUIRED: {
    status: 401,
    retryable: false,
    summary: 'The request carries no `Authorization: Bearer <token>` header.',
  },
  AUTH_INVALID: {
    status: 401,
    retryable: false,
    summary: 'The bearer token is malformed, unknown or revoked.',
  },
  FORBIDDEN: { status: 403, retryable: false, summary: 'The token is valid but may not do this.' },
  NOT_FOUND: {
    status: 404,
    retryable: false,
    summary: 'No such resource, or not one the caller may see.',
  },
  VALIDATION_FAILED: {
    status: 400,
    retryable: false,
    summary: 'The request body, path or query does not match the schema (unknown keys included).',
  },
  CONFLICT: { status: 409, retryable: false, summary: 'The resource exists or is held by someone else.' },
  PAYLOAD_TOO_LARGE: {
    status: 413,
    retryable: false,
    summary: 'The request body is larger than the configured limit.',
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    retryable: false,
    summary: 'The request body is not application/json.',
  },
  STORE_UNAVAILABLE: {
    status: 503,
    retryable: true,
    summary: 'The backend database cannot be reached.',
  },
  DATABASE_CORRUPT: {
    status: 500,
    retryable: false,
    summary:
      'A database file is not a database or is damaged; the message names it (run `camlink fsck`, restore a backup).',
  },
  STORAGE_FULL: {
    status: 507,
    retryable: true,
    summary: 'The disk under a database is full; nothing was written, and the request can be retried later.',
  },
  PAIRING_CHALLENGE_EXPIRED: {
    status: 410,
    retryable: false,
    summary: 'The pairing challenge has expired; ask for a new one.',
  },
  PAIRING_CHALLENGE_USED: {
    status: 409,
    retryable: false,
    summary: 'The pairing challenge was already answered; challenges are one-time.',
  },
  PAIRING_SIGNATURE_INVALID: {
    status: 403,
    retryable: false,
    summary: "The signature does not verify with the device's registered certificate.",
  },
  DEVICE_ALREADY_PAIRED: {
    status: 409,
    retryable: false,
    summary: 'The device is paired to another user; it must be unpaired first.',
  },
  DEVICE_NO_CERTIFICATE: {
    status: 409,
    retryable: false,
    summary: 'The device has no ACTIVE registered certificate to verify a pairing signature with.',
  },
  PAIRING_TOO_MANY_CHALLENGES: {
    status: 429,
    retryable: true,
    summary: 'The user has as many open pairing challenges as allowed; answer one or let them expire.',
  },
  UPLOAD_CONTENT_TYPE_NOT_ALLOWED: {
    status: 415,
    retryable: false,
    summary: 'The upload content type is not on the allow-list (backend.uploads.contentTypes).',
  },
  UPLOAD_TOO_LARGE: {
    status: 413,
    retryable: false,
    summary: 'The declared upload size exceeds backend.uploads.maxBytes.',
  },
  NOTIFICATION_INVALID: {
    status: 400,
    retryable: false,
    summary: 'An upload notification does not match the contract schema.',
  },
  NOTIFICATION_REJECTED: {
    status: 409,
    retryable: false,
    summary: 'An upload notification names an unknown, foreign, expired or mismatching upload.',
  },
  VIDEO_NOT_AVAILABLE: {
    status: 404,
    retryable: true,
    summary: 'The camera has no video stream, or no video in the time asked for (LIVE: the last 30 s).',
  },
  SIM_LOST: {
    status: 500,
    retryable: false,
    summary: 'camlink sim: uploads the store acknowledged were not reconciled by the backend in time.',
  },
  SIM_INTERRUPTED: {
    status: 500,
    retryable: true,
    summary: 'camlink sim was interrupted before its fleet was ready.',
  },
  UPSTREAM_FAILED: {
    status: 502,
    retryable: true,
    summary: 'A call to an AWS-compatible service (S3, SQS, IoT) failed.',
  },
  AWS_CA_DIFFERENT: {
    status: 409,
    retryable: false,
    summary:
      '`camlink aws register-ca`: the CA is already registered with other settings than asked; the message says which and how to fix them.',
  },
  AWS_REQUEST_REFUSED: {
    status: 400,
    retryable: false,
    summary:
      'AWS (or the AWS-compatible endpoint) refused a request (4xx); the message names the operation and error.',
  },
  AWS_CREDENTIALS_MISSING: {
    status: 401,
    retryable: false,
    summary:
      'No AWS credentials were found (pass --profile, set AWS_PROFILE / AWS_ACCESS_KEY_ID, or use --embedded).',
  },
  AWS_CHECK_FAILED: {
    status: 412,
    retryable: false,
    summary: '`camlink aws doctor`: at least one check is MISSING, DIFFERENT or ERROR.',
  },
  STACK_TEMPLATE_INVALID: {
    status: 400,
    retryable: false,
    summary:
      'A stack template cannot be applied by the rehearsal stand-in (not JSON, an unknown resource type or intrinsic, a dependency cycle).',
  },
  STACK_EXISTS: {
    status: 409,
    retryable: false,
    summary: 'The rehearsal stack is already deployed from a different template; destroy it first.',
  },
  STACK_DEPLOY_FAILED: {
    status: 502,
    retryable: true,
    summary:
      '`camlink rehearsal stack deploy`: a resource failed to create (CREATE_FAILED); what was created was rolled back.',
  },
  STACK_DESTROY_FAILED: {
    status: 502,
    retryable: true,
    summary:
      '`camlink rehearsal stack destroy`: a resource failed to delete (DELETE_FAILED); the rest stays recorded; fix it and run again.',
  },
  AWS_TEARDOWN_FAILED: {
    status: 502,
    retryable: true,
    summary:
      '`camlink aws teardown --yes`: at least one deletion failed (each is named with the AWS error); run it again.',
  },
  TOO_MANY_STREAMS: {
    status: 429,
    retryable: true,
    summary: 'The user has as many open event streams as backend.events.maxStreamsPerUser allows.',
  },
  DEVICE_UPLOAD_REFUSED: {
    status: 403,
    retryable: false,
    summary:
      "The object store refused the camera's PUT (4xx): the URL, its headers or its expiry do not fit.",
  },
  DEVICE_UPLOAD_FAILED: {
    status: 502,
    retryable: true,
    summary: "The camera's PUT failed (5xx, reset, timeout) on every attempt before the URL expired.",
  },
  DEVICE_OUTBOX_FULL: {
    status: 507,
    retryable: true,
    summary: "The camera's notification outbox holds its maximum of entries; it drains when MQTT is back.",
  },
  DEVICE_OFFLINE: {
    status: 503,
    retryable: true,
    summary:
      "The camera's MQTT session is down (not yet connected, dropped, or stopped); it reconnects by itself.",
  },
  DEVICE_CONNECT_CLOSED: {
    status: 503,
    retryable: true,
    summary:
      "The endpoint closed the camera's MQTT connection before CONNACK: a new certificate's first connection (just-in-time provisioning) or more than one CONNECT per second; if it goes on, a refused identity (the endpoint's log says why).",
  },
  DEVICE_CONNECT_REFUSED: {
    status: 403,
    retryable: false,
    summary:
      "The endpoint answered the camera's CONNECT with a refusing CONNACK (1, 2, 4 or 5, named in the message; 3 is DEVICE_OFFLINE).",
  },
  DEVICE_SUBSCRIBE_REFUSED: {
    status: 403,
    retryable: false,
    summary:
      "The endpoint refused one of the camera's subscriptions (SUBACK 0x80): its policy does not allow it.",
  },
  DEVICE_CREDENTIALS_REFUSED: {
    status: 403,
    retryable: false,
    summary:
      'The IoT credentials provider refused the camera (certificate, thing name or role alias); the message carries its reason.',
  },
  DEVICE_CREDENTIALS_FAILED: {
    status: 502,
    retryable: true,
    summary: 'The IoT credentials provider could not be reached or did not answer with credentials.',
  },
  DEVICE_STREAM_NOT_FOUND: {
    status: 404,
    retryable: false,
    summary:
      "The camera's Kinesis video stream (named after the thing) does not exist; the backend creates it at provisioning, or `camlink device stream create ID`.",
  },
  DEVICE_KVS_REFUSED: {
    status: 403,
    retryable: false,
    summary:
      "Kinesis Video Streams refused the camera's request (4xx); the message carries the service's reason.",
  },
  DEVICE_KVS_FAILED: {
    status: 502,
    retryable: true,
    summary: 'Kinesis Video Streams could not be reached, failed (5xx), or sent no acknowledgement in time.',
  },
  DEVICE_FFMPEG_MISSING: {
    status: 503,
    retryable: false,
    summary: 'The video source needs ffmpeg on the PATH (Debian: apt-get install ffmpeg).',
  },
  DEVICE_SOURCE_FAILED: {
    status: 502,
    retryable: false,
    summary: 'The video source (ffmpeg) failed before the end of the stream; the message carries its error.',
  },
  UPLOAD_URL_REJECTED: {
    status: 502,
    retryable: false,
    summary:
      "The backend rejected the camera's upload-URL request over MQTT; details.code carries its reason.",
  },
  UPLOAD_URL_TIMEOUT: {
    status: 504,
    retryable: true,
    summary: "No answer to the camera's upload-URL request over MQTT within its timeout.",
  },
  INTERNAL: { status: 500, retryable: false, summary: 'An unexpected internal error.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof errorRegistry;

export const errorCodes = Object.keys(errorRegistry) as ErrorCode[];
