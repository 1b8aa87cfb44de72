/**
 * The one camlink configuration schema. Every key has a documented default (docs/configuration.md);
 * unknown keys are rejected at every level and values out of range are errors, never clamped.
 */
import { z } from 'zod';
import { THING_NAME_MAX_LENGTH } from '../contracts/device-id.js';

const regexSource = z
  .string()
  .min(1)
  .max(512)
  .refine(
    (source) => {
      try {
        new RegExp(source, 'u');
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a valid regular expression' },
  );

export const keyAlgorithms = ['ecdsa-p256', 'rsa-2048'] as const;
export type KeyAlgorithmName = (typeof keyAlgorithms)[number];

export const pkiConfigSchema = z.strictObject({
  /** Key type for new CA, device, server and verification keys. */
  keyAlgorithm: z.enum(keyAlgorithms).default('ecdsa-p256'),
  /** Subject CN of the operator CA. */
  caCommonName: z.string().min(1).max(64).default('camlink operator CA'),
  /** Subject O of the operator CA. */
  organization: z.string().min(1).max(64).default('camlink'),
  caValidityDays: z.number().int().min(1).max(36_500).default(7_300),
  deviceValidityDays: z.number().int().min(1).max(36_500).default(3_650),
  serverValidityDays: z.number().int().min(1).max(825).default(397),
  verificationValidityDays: z.number().int().min(1).max(3_650).default(30),
  /** How long a CRL is valid for; the platform re-signs it before then. */
  crlValidityDays: z.number().int().min(1).max(365).default(30),
  /** Extra operator rule for device ids (on top of the thing-name rule), e.g. "^cam-[0-9a-f]{12}$". */
  deviceIdPattern: regexSource.default(`^[A-Za-z0-9:_-]{1,${THING_NAME_MAX_LENGTH}}$`),
  /** SANs of the embedded endpoints' server certificate. */
  serverSans: z.array(z.string().min(1).max(253)).min(1).max(100).default(['localhost', '127.0.0.1', '::1']),
});

const port = z.number().int().min(0).max(65_535);
const host = z.string().min(1).max(255);

export const iotConfigSchema = z.strictObject({
  /** AWS partition of the ARNs the endpoint evaluates policies against: aws or aws-cn. */
  partition: z.enum(['aws', 'aws-cn']).default('aws'),
  region: z
    .string()
    .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/, 'not an AWS region name')
    .default('us-east-1'),
  /** The 12-digit account id in ARNs; the embedded platform uses a fixed local one. */
  accountId: z
    .string()
    .regex(/^\d{12}$/, 'must be 12 digits')
    .default('000000000000'),
  /** The IoT control-plane API (AWS IoT REST, SigV4) of the embedded platform. */
  api: z
    .strictObject({
      host: z.string().min(1).max(255).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8440),
    })
    .prefault({}),
  /** The credentials provider (mutual TLS): temporary credentials for a certificate's role alias. */
  credentials: z
    .strictObject({
      host: z.string().min(1).max(255).default('127.0.0.1'),
      port: z.number().int().min(0).max(65_535).default(8446),
      /** Live temporary credentials kept at most (then 429 until some expire). */
      maxSessions: z.number().int().min(1).max(10_000_000).default(100_000),
      /** Live temporary credentials per certificate; a new one retires the oldest beyond this. */
      maxSessionsPerCertificate: z.number().int().min(1).max(1000).default(10),
    })
    .prefault({}),
});

export const brokerLimitsSchema = z.strictObject({
  maxPayloadBytes: z.number().int().min(1).max(268_435_455).default(131_072),
  maxTopicBytes: z.number().int().min(1).max(65_535).default(256),
  maxTopicSlashes: z.number().int().min(0).max(100).default(7),
  maxClientIdBytes: z.number().int().min(1).max(65_535).default(128),
  keepaliveMinSeconds: z.number().int().min(1).max(65_535).default(30),
  keepaliveMaxSeconds: z.number().int().min(1).max(65_535).default(1200),
  maxInflightQos1: z.number().int().min(1).max(65_535).default(100),
  publishesPerSecond: z.number().int().min(1).max(1_000_000).default(100),
  connectsPerSecondPerClientId: z.number().int().min(1).max(1_000).default(1),
  maxSubscriptionsPerConnection: z.number().int().min(1).max(10_000).default(50),
  connectTimeoutMs: z.number().int().min(100).max(600_000).default(30_000),
});

export const brokerConfigSchema = z.strictObject({
  /** Address of the mutual-TLS MQTT listener; use 0.0.0.0 to reach cameras on the network. */
  host: host.default('127.0.0.1'),
  /** 0 picks a free port (tests, --ephemeral-ports). */
  port: port.default(8883),
  /** How refused connections end: drop (AWS: close without CONNACK) or connack (CONNACK 5, for debugging). */
  authFailure: z.enum(['drop', 'connack']).default('drop'),
  /** Plaintext MQTT without authentication: development bring-up only, loopback by default, logged loudly. */
  devPlaintext: z
    .strictObject({
      enabled: z.boolean().default(false),
      host: host.default('127.0.0.1'),
      port: port.default(1883),
    })
    .prefault({}),
  limits: brokerLimitsSchema.prefault({}),
  /** Several broker processes sharing one Redis (mqemitter-redis + aedes-persistence-redis). */
  redis: z
    .strictObject({
      enabled: z.boolean().default(false),
      url: z
        .string()
        .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
        .default('redis://127.0.0.1:6379'),
    })
    .prefault({}),
});

const GIB = 1024 * 1024 * 1024;

export const storagePartitions = ['aws', 'aws-cn'] as const;

export const storageConfigSchema = z.strictObject({
  /** Address the embedded object store binds (devHttp forces 127.0.0.1). */
  host: z.string().min(1).max(253).default('127.0.0.1'),
  port: z.number().int().min(0).max(65_535).default(9000),
  /** Region the store signs for (SigV4 credential scope) and the S3 presigner uses. */
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'not a region name like us-east-1 or cn-north-1')
    .default('us-east-1'),
  /** AWS partition for presigned URLs: aws (amazonaws.com) or aws-cn (amazonaws.com.cn). */
  partition: z.enum(storagePartitions).default('aws'),
  /** Plain HTTP on 127.0.0.1 for development only; logs a warning. */
  devHttp: z.boolean().default(false),
  /** Host suffixes for virtual-host-style addressing ("<bucket>.<domain>"). */
  virtualHostDomains: z.array(z.string().min(1).max(253)).max(20).default(['localhost']),
  /** Long-lived access keys accepted by the store (SigV4 and COS); keep the config file mode 0600. */
  accessKeys: z
    .array(
      z.strictObject({
        accessKeyId: z.string().regex(/^[A-Za-z0-9]{16,128}$/),
        secretAccessKey: z.string().min(16).max(128),
        /** Optional restriction: "bucket" or "bucket/key-prefix". */
        scope: z.string().min(3).max(1100).optional(),
      }),
    )
    .max(100)
    .default([]),
  maxObjectBytes: z
    .number()
    .int()
    .min(1)
    .max(5 * 1024 * GIB)
    .default(5 * GIB),
  minPartBytes: z
    .number()
    .int()
    .min(1)
    .max(5 * GIB)
    .default(5 * 1024 * 1024),
  maxPartBytes: z
    .number()
    .int()
    .min(1)
    .max(5 * GIB)
    .default(5 * GIB),
  maxParts: z.number().int().min(1).max(10_000).default(10_000),
  maxKeyBytes: z.number().int().min(1).max(1024).default(1024),
  maxUserMetadataBytes: z.number().int().min(0).max(8192).default(2048),
  maxHeaderBytes: z.number().int().min(1024).max(65_536).default(16_384),
  maxPresignExpirySeconds: z.number().int().min(1).max(604_800).default(604_800),
  clockSkewSeconds: z.number().int().min(0).max(3600).default(900),
});

export const queueLimitsSchema = z.strictObject({
  /** Queues in one store (SQS: no fixed limit; OverLimit when reached). */
  maxQueues: z.number().int().min(1).max(1_000_000).default(1_000),
  /** Largest HTTP request body read; refused from Content-Length or while streaming, before buffering. */
  maxRequestBytes: z.number().int().min(65_536).max(16_777_216).default(1_048_576),
  /** Accepted difference between a request's X-Amz-Date and the server clock (AWS: 5 minutes). */
  clockSkewSeconds: z.number().int().min(1).max(3_600).default(300),
});

export const queueConfigSchema = z.strictObject({
  /** Address of the SQS-compatible HTTPS listener. Region and account come from the `iot` section. */
  host: host.default('127.0.0.1'),
  /** 0 picks a free port (tests, --ephemeral-ports). */
  port: port.default(9324),
  /** DEV ONLY: plain HTTP instead of HTTPS with the camlink server certificate. */
  devHttp: z.boolean().default(false),
  limits: queueLimitsSchema.prefault({}),
});

export const videoLimitsSchema = z.strictObject({
  /** Streams in the catalogue (KVS: an account quota); CreateStream beyond it is AccountStreamLimitExceeded. */
  maxStreams: z.number().int().min(1).max(1_000_000).default(1_000),
  /** Largest control-plane request body, refused from Content-Length or while reading. */
  maxRequestBytes: z.number().int().min(65_536).max(16_777_216).default(262_144),
  /** Accepted difference between a request's X-Amz-Date and the server clock (AWS: 5 minutes). */
  clockSkewSeconds: z.number().int().min(1).max(3_600).default(300),
  /** A PutMedia connection without data for this long ends (KVS sends IDLE, then closes). */
  putMediaIdleSeconds: z.number().int().min(1).max(3_600).default(30),
  /** Active HLS streaming sessions kept at most (and 10 per stream, KVS's quota). */
  maxHlsSessions: z.number().int().min(1).max(100_000).default(1_000),
});

export const videoConfigSchema = z.strictObject({
  /** Address of the Kinesis Video Streams-compatible HTTPS listener. Region and account: the `iot` section. */
  host: host.default('127.0.0.1'),
  /** 0 picks a free port (tests, --ephemeral-ports). */
  port: port.default(8447),
  /** DEV ONLY: plain HTTP instead of HTTPS with the camlink server certificate. */
  devHttp: z.boolean().default(false),
  limits: videoLimitsSchema.prefault({}),
});

export const backendConfigSchema = z.strictObject({
  /** Address of the backend's HTTPS listener; loopback unless it is put behind a proxy or opened on purpose. */
  host: host.default('127.0.0.1'),
  /** 0 picks a free port (tests). */
  port: port.default(8080),
  /** Largest request body accepted; larger bodies are PAYLOAD_TOO_LARGE (413). */
  bodyLimitBytes: z.number().int().min(1_024).max(10_485_760).default(65_536),
  store: z
    .strictObject({
      /** SQLite database file, relative to dataDir unless absolute; used when postgresUrl is unset. */
      sqlitePath: z.string().min(1).max(4096).default('backend.db'),
      /** PostgreSQL connection string; when set, the backend keeps its state there instead of SQLite. */
      postgresUrl: z
        .string()
        .max(4096)
        .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
        .optional(),
    })
    .prefault({}),
  /** File holding the operator token, relative to dataDir unless absolute; created (0600) on first start. */
  operatorTokenFile: z.string().min(1).max(4096).default('operator-token'),
  uploads: z
    .strictObject({
      /** Bucket the pre-signed PUTs point into; objects are keyed devices/<deviceId>/<uploadId>.<ext>. */
      bucket: z
        .string()
        .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'not a valid bucket name')
        .default('camlink-media'),
      /** Content types an upload may declare; anything else is UPLOAD_CONTENT_TYPE_NOT_ALLOWED (415). */
      contentTypes: z
        .array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+-]+$/, 'not a lower-case type/subtype'))
        .min(1)
        .max(50)
        .default(['image/jpeg', 'image/png', 'image/heic', 'image/webp', 'video/mp4']),
      /** Largest object an upload may declare and store; larger is UPLOAD_TOO_LARGE (413). */
      maxBytes: z
        .number()
        .int()
        .min(1)
        .max(5 * GIB)
        .default(50 * 1024 * 1024),
      /** Lifetime of a pre-signed PUT URL. */
      putUrlTtlSeconds: z.number().int().min(30).max(3_600).default(900),
      /** Lifetime of the pre-signed GET URLs the media API hands out. */
      getUrlTtlSeconds: z.number().int().min(30).max(3_600).default(300),
      /**
       * The sweeper (src/backend/uploads/sweeper.ts): decides pending uploads whose notification never
       * came, once their PUT URL expired more than 5 minutes ago. Runs where the reconciler runs.
       */
      sweep: z
        .strictObject({
          enabled: z.boolean().default(true),
          /** Pause between the end of one pass and the start of the next. */
          intervalSeconds: z.number().int().min(1).max(86_400).default(60),
          /** Uploads decided per pass at most (oldest expiry first). */
          batchSize: z.number().int().min(1).max(10_000).default(100),
        })
        .prefault({}),
    })
    .prefault({}),
  pairing: z
    .strictObject({
      /** How long a pairing challenge may be answered. */
      challengeTtlSeconds: z.number().int().min(30).max(3_600).default(300),
    })
    .prefault({}),
  /** Who signs upload URLs: s3 (SigV4, AWS or the embedded store) or cos (Tencent COS q-sign). */
  presigner: z.enum(['s3', 'cos']).default('s3'),
  cos: z
    .strictObject({
      /** The APPID suffix of COS bucket names (<bucket>-<appId>). */
      appId: z.string().regex(/^\d{1,20}$/, 'must be digits'),
      region: z.string().regex(/^[a-z]+-[a-z]+(-\d+)?$/, 'not a COS region like ap-shanghai'),
      /** Long-lived keys (or static temporary ones with securityToken); or else credentialProcess. */
      secretId: z.string().min(16).max(128).optional(),
      secretKey: z.string().min(16).max(128).optional(),
      securityToken: z.string().min(1).max(4096).optional(),
      /**
       * A command (argv, no shell) printing Tencent STS temporary keys as JSON (AssumeRole /
       * GetFederationToken output: Credentials.TmpSecretId/TmpSecretKey/Token, ExpiredTime); run again
       * before they expire (src/backend/cloud/cos-credentials.ts).
       */
      credentialProcess: z.array(z.string().min(1).max(4096)).min(1).max(64).optional(),
      /** A custom (path-style) endpoint, e.g. the embedded store for local COS tests. */
      endpoint: z.url().optional(),
    })
    .superRefine((cos, ctx) => {
      const hasKeys = cos.secretId !== undefined || cos.secretKey !== undefined;
      if (hasKeys === (cos.credentialProcess !== undefined)) {
        ctx.addIssue({
          code: 'custom',
          message: 'set exactly one of secretId + secretKey (optional securityToken) or credentialProcess',
        });
      } else if (hasKeys && (cos.secretId === undefined || cos.secretKey === undefined)) {
        ctx.addIssue({ code: 'custom', message: 'secretId and secretKey go together' });
      } else if (!hasKeys && cos.securityToken !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: 'securityToken goes with static secretId/secretKey; credentialProcess prints its own',
        });
      }
    })
    .optional(),
  /**
   * The AWS-compatible services the backend talks to. Unset: the embedded platform's
   * DATA_DIR/endpoints.json (what `camlink up` wrote). Set: AWS (or any compatible service).
   */
  aws: z
    .strictObject({
      region: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/, 'not an AWS region name'),
      partition: z.enum(['aws', 'aws-cn']).default('aws'),
      /** The SQS queue the upload topic rule feeds. */
      uploadQueueUrl: z.url(),
      /** mqtts:// URL of the IoT data endpoint for the backend's own MQTT session (fan-out, URL requests). */
      mqttUrl: z
        .string()
        .regex(/^mqtts:\/\//, 'must be an mqtts:// URL')
        .optional(),
      /** Certificate and key files of the backend's MQTT identity (thing camlink-backend). */
      mqttCertFile: z.string().min(1).max(4096).optional(),
      mqttKeyFile: z.string().min(1).max(4096).optional(),
      /** Endpoint overrides (for compatible services); AWS's regional endpoints otherwise. */
      s3Endpoint: z.url().optional(),
      sqsEndpoint: z.url().optional(),
      iotEndpoint: z.url().optional(),
      kvsEndpoint: z.url().optional(),
      /** Shared-credentials profile; the SDK's default chain when unset. */
      profile: z.string().min(1).max(128).optional(),
    })
    .optional(),
  /**
   * Keep the backend's own MQTT session (answers cameras' upload-URL requests, republishes user
   * events). One session per identity: with several replicas, give each its own thing or enable one.
   */
  mqttSession: z.boolean().default(true),
  /**
   * `camlink up` only: run the embedded backend on its own worker thread (src/platform/backend-thread.ts),
   * so the platform uses a second core (camlink sim turns it on). Off: the backend shares the event loop.
   */
  thread: z.boolean().default(false),
  /**
   * The MQTT session's connections (src/backend/mqtt/pool.ts): AWS IoT allows 100 publish requests per
   * second per connection, received + sent, and one upload costs the backend three (request in, answer
   * and event out), so each connection carries ~30 uploads/s. Incoming requests are spread by the
   * shared subscription $share/camlink-backend/...; outgoing publishes are paced per connection.
   */
  mqttPool: z
    .strictObject({
      connections: z.number().int().min(1).max(32).default(8),
      /** Per connection, received + sent; kept under AWS's 100 for headroom. */
      publishesPerSecond: z.number().int().min(1).max(100).default(90),
      /** Publishes waiting for the quota before more are refused (and logged). */
      maxQueuedPublishes: z.number().int().min(1).max(1_000_000).default(10_000),
    })
    .prefault({}),
  /** Server-side thumbnails of uploaded pictures (the dashboard's gallery). */
  thumbnails: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** The longer edge of a thumbnail, in pixels. */
      maxEdgePixels: z.number().int().min(32).max(2048).default(320),
      /** Pictures larger than this get no thumbnail (the gallery shows the picture). */
      maxSourceBytes: z.number().int().min(1024).max(268_435_456).default(26_214_400),
      /** Decoded size limit (width x height) against decompression bombs. */
      maxSourcePixels: z.number().int().min(1024).max(1_000_000_000).default(50_000_000),
      /** Thumbnails made at once, beside the reconciler (src/backend/uploads/thumbnailer.ts). */
      concurrency: z.number().int().min(1).max(64).default(8),
      /** Pictures waiting for their thumbnail; a picture finding the queue full gets none. */
      maxQueued: z.number().int().min(1).max(1_000_000).default(10_000),
      /** Bytes of pictures held for waiting thumbnails; past it they are read again from the store. */
      maxQueuedBytes: z.number().int().min(0).max(4_294_967_296).default(67_108_864),
    })
    .prefault({}),
  /** Video (Kinesis Video Streams): a stream per camera, HLS URLs for its owner. */
  video: z
    .strictObject({
      /** Create each provisioned camera's stream and serve HLS URLs. */
      enabled: z.boolean().default(true),
      /** DataRetentionInHours of new camera streams (HLS needs > 0). */
      retentionHours: z.number().int().min(1).max(87_600).default(24),
      /** How long an HLS session URL works (KVS: 300-43200 s). */
      hlsExpiresSeconds: z.number().int().min(300).max(43_200).default(300),
      /**
       * Region of the camera streams (the CDK output VideoRegion) when it is not the backend's own,
       * e.g. cn-north-1 for a Ningxia deployment (no KVS in cn-northwest-1). Unset: the backend's region.
       */
      region: z
        .string()
        .regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/, 'not an AWS region name')
        .optional(),
    })
    .prefault({}),
  reconciler: z
    .strictObject({
      /** Consume upload notifications from the queue. Off: another replica (or nothing) does it. */
      enabled: z.boolean().default(true),
      /** Messages per ReceiveMessage (SQS allows 1-10). */
      batchSize: z.number().int().min(1).max(10).default(10),
      /** Long-poll wait per ReceiveMessage (SQS allows 0-20). */
      waitTimeSeconds: z.number().int().min(0).max(20).default(20),
      /** Notifications handled at once. */
      concurrency: z.number().int().min(1).max(64).default(32),
      /**
       * How often the upload queue's dead-letter queue is counted (camlink_backend_dead_letters, the
       * dashboard, a warn line when it grows); 0: never. Runs on every replica, consuming or not.
       */
      deadLetterCheckSeconds: z.number().int().min(0).max(86_400).default(60),
    })
    .prefault({}),
  events: z
    .strictObject({
      /** Comment line sent on idle server-sent-event streams so proxies keep them open. */
      heartbeatSeconds: z.number().int().min(1).max(300).default(15),
      /** Recent events kept per process for Last-Event-ID replay. */
      replayBuffer: z.number().int().min(0).max(100_000).default(1_000),
      /** Open event streams per user; more is TOO_MANY_STREAMS (429). */
      maxStreamsPerUser: z.number().int().min(1).max(1_000).default(16),
      /**
       * With the PostgreSQL store: relay events between backend replicas with LISTEN/NOTIFY, so a
       * user's stream on any replica gets every replica's events. Ignored with SQLite (one process).
       */
      postgresRelay: z.boolean().default(true),
    })
    .prefault({}),
});

const certKeyFiles = z
  .strictObject({
    /** PEM chain (leaf first) the listeners present. */
    certFile: z.string().min(1).max(4096),
    /** Its private key (PEM; keep it 0600). */
    keyFile: z.string().min(1).max(4096),
  })
  .optional();

/**
 * Server material the embedded platform presents instead of DATA_DIR's endpoint certificate (a cloud
 * rehearsal: certificates for the cloud host names from another CA). Unset: the endpoint certificate.
 */
export const tlsConfigSchema = z.strictObject({
  /** The HTTPS services: object store, queue, IoT API, video, STS and the backend API. */
  services: certKeyFiles,
  /**
   * The IoT data endpoint (MQTT) and the credentials provider. Client certificates are still verified
   * against the registered CAs.
   */
  iotData: certKeyFiles,
  /**
   * The names the services answer with where AWS names its endpoints (they should be the names the
   * certificates above are for): DescribeEndpoint, GetQueueUrl/ListQueues, KVS GetDataEndpoint.
   * Unset: the listeners' own loopback URLs.
   */
  advertise: z
    .strictObject({
      /** DescribeEndpoint iot:Data-ATS, e.g. a1b2c3d4e5f6g7-ats.iot.ap-northeast-1.amazonaws.com. */
      iotData: z.string().min(1).max(253).optional(),
      /** DescribeEndpoint iot:CredentialProvider. */
      iotCredentials: z.string().min(1).max(253).optional(),
      /** Base of queue URLs, e.g. https://sqs.ap-northeast-1.amazonaws.com. */
      sqsUrl: z.url().optional(),
      /** KVS GetDataEndpoint's answer, e.g. https://s-1a2b3c4d.kinesisvideo.ap-northeast-1.amazonaws.com. */
      kvsDataEndpoint: z.url().optional(),
    })
    .prefault({}),
});

const principalArn = z
  .string()
  .min(20)
  .max(2048)
  .regex(/^arn:aws(-cn)?:(iam|sts)::\d{12}:/, 'not an IAM/STS ARN');

/** The STS-compatible service (AssumeRole, GetCallerIdentity) for roles defined here. */
export const stsConfigSchema = z.strictObject({
  /** Serve STS from `camlink up`. */
  enabled: z.boolean().default(false),
  host: host.default('127.0.0.1'),
  /** 0 picks a free port (tests, --ephemeral-ports). */
  port: port.default(8448),
  /**
   * REHEARSAL ONLY: sessions live at most this many seconds whatever was asked, so a short rehearsal
   * crosses an expiry and clients must refresh. AWS never issues less than 900 s. Unset: no cap.
   */
  maxSessionSeconds: z.number().int().min(1).max(43_200).optional(),
  /** Who the platform's own long-lived key pair is (trust policies and GetCallerIdentity see it). */
  localPrincipalArn: principalArn.optional(),
  /** The roles STS can hand out (IAM's view: ARN, trust, permission policies, max session). */
  roles: z
    .array(
      z.strictObject({
        roleArn: z.string().min(20).max(2048),
        trustedPrincipals: z.array(principalArn).min(1).max(100),
        /** IAM permission policy documents (JSON objects). */
        policies: z.array(z.record(z.string(), z.unknown())).min(1).max(20),
        maxSessionDuration: z.number().int().min(3600).max(43_200).default(3600),
      }),
    )
    .max(100)
    .default([]),
});

export const iamConfigSchema = z.strictObject({
  /**
   * Serve an IAM-compatible API (roles, inline and AWS-managed role policies) from `camlink up`; STS,
   * the IoT credentials provider and JITP then also resolve roles from it. Requests are signed for
   * us-east-1 (aws) or cn-north-1 (aws-cn), as the SDK signs them.
   */
  enabled: z.boolean().default(false),
  host: host.default('127.0.0.1'),
  /** 0 picks a free port (tests, --ephemeral-ports). */
  port: port.default(8449),
});

export const cloudAccountConfigSchema = z.strictObject({
  /**
   * `camlink up` plays a fresh cloud account: the services run but nothing the CDK stack or the
   * operator creates exists (no operator CA registered, no backend identity, no embedded backend, no
   * media bucket, no upload queues, no upload rule, no role alias). Use with iam.enabled.
   */
  enabled: z.boolean().default(false),
});

export const configSchema = z.strictObject({
  /** Where camlink keeps its state (pki/, endpoints.json, databases). */
  dataDir: z.string().min(1).max(4096).default('.camlink'),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      /**
       * `camlink up` / `camlink demo`: `pretty` shows a summary and warnings as lines for people (up's
       * full JSON logs go to DATA_DIR/logs/camlink.log), `json` the JSON lines on stderr, `auto` pretty
       * when stdout is a terminal. The --log-format flag overrides it.
       */
      format: z.enum(['auto', 'json', 'pretty']).default('auto'),
    })
    .prefault({}),
  pki: pkiConfigSchema.prefault({}),
  iot: iotConfigSchema.prefault({}),
  broker: brokerConfigSchema.prefault({}),
  storage: storageConfigSchema.prefault({}),
  queue: queueConfigSchema.prefault({}),
  video: videoConfigSchema.prefault({}),
  backend: backendConfigSchema.prefault({}),
  tls: tlsConfigSchema.prefault({}),
  sts: stsConfigSchema.prefault({}),
  iam: iamConfigSchema.prefault({}),
  cloudAccount: cloudAccountConfigSchema.prefault({}),
});

export type CamlinkConfig = z.infer<typeof configSchema>;
export type PkiConfig = z.infer<typeof pkiConfigSchema>;
export type IotConfig = z.infer<typeof iotConfigSchema>;
export type BrokerConfig = z.infer<typeof brokerConfigSchema>;
export type BrokerLimits = z.infer<typeof brokerLimitsSchema>;
export type StorageConfig = z.infer<typeof storageConfigSchema>;
export type QueueConfig = z.infer<typeof queueConfigSchema>;
export type QueueLimits = z.infer<typeof queueLimitsSchema>;
export type VideoConfig = z.infer<typeof videoConfigSchema>;
export type VideoLimits = z.infer<typeof videoLimitsSchema>;
export type BackendConfig = z.infer<typeof backendConfigSchema>;
export type TlsConfig = z.infer<typeof tlsConfigSchema>;
export type StsConfig = z.infer<typeof stsConfigSchema>;
export type IamConfig = z.infer<typeof iamConfigSchema>;
export type ConfigInput = z.input<typeof configSchema>;
