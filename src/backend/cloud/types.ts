/**
 * What the backend needs from the cloud, as narrow interfaces: the object store (HEAD, GET for
 * verification, DELETE), the device directory (AWS IoT: provisioning and certificates), the upload
 * queue and its own MQTT identity. services.ts implements them with the AWS SDK v3 clients, against
 * the embedded platform or AWS alike.
 */
import type { Readable } from 'node:stream';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Presigner } from '../../presign/presigner.js';
import type { VideoStreams } from './video.js';

export interface ObjectHead {
  readonly size: number;
  readonly contentType: string | undefined;
  /** Lower-case hex SHA-256 when the store kept one (x-amz-checksum-sha256 on the PUT). */
  readonly sha256: string | undefined;
  readonly etag: string | undefined;
}

export interface ObjectStore {
  /** undefined when there is no such object (404). */
  head(bucket: string, key: string): Promise<ObjectHead | undefined>;
  /** The object's bytes as a stream; undefined when there is no such object. */
  get(bucket: string, key: string): Promise<Readable | undefined>;
  /**
   * HEAD and GET in one request (GetObject with its checksum): what the reconciler uses for a picture
   * it will thumbnail anyway. The caller reads or destroys the body. undefined when there is no object.
   */
  fetch(bucket: string, key: string): Promise<{ head: ObjectHead; body: Readable } | undefined>;
  /** Deletes the object; deleting a missing object succeeds, as in S3. */
  delete(bucket: string, key: string): Promise<void>;
  /** Stores a small object the backend made itself (thumbnails). */
  put(bucket: string, key: string, body: Buffer, contentType: string): Promise<void>;
  /** The object's address without a signature (what cameras announce). */
  objectUrl(bucket: string, key: string): string;
}

export interface ProvisionedDevice {
  readonly certificateId: string;
  readonly certificateArn: string;
  readonly certificatePem: string;
}

export interface DeviceCertificate {
  readonly certificateId: string;
  readonly pem: string;
}

/** A device certificate's state in the IoT registry (DescribeCertificate), for the fleet view. */
export interface CertificateStatus {
  readonly certificateId: string;
  /** ACTIVE, INACTIVE, REVOKED, PENDING_TRANSFER, REGISTER_INACTIVE or PENDING_ACTIVATION. */
  readonly status: string;
  /** validity.notAfter as ISO 8601; null when the registry does not say. */
  readonly expiresAt: string | null;
}

export interface DeviceDirectory {
  /**
   * Operator provisioning through the IoT control plane: creates the thing, a certificate from the CSR
   * (the key never leaves the device), attaches the device policy and the certificate to the thing.
   */
  provision(input: { deviceId: string; csrPem: string }): Promise<ProvisionedDevice>;
  /**
   * The device's ACTIVE certificates: the given id when it is ACTIVE and attached to the thing, or
   * every ACTIVE certificate attached to the thing when no id is known.
   */
  activeCertificates(deviceId: string, certificateId: string | undefined): Promise<DeviceCertificate[]>;
  /**
   * The state of the device's certificate (ListThingPrincipals + DescribeCertificate): the given id when
   * it is attached, else the attached ACTIVE one, else the newest attached; null when none is attached.
   */
  certificateStatus(deviceId: string, certificateId: string | undefined): Promise<CertificateStatus | null>;
}

export interface BackendMqttIdentity {
  readonly url: string;
  readonly clientId: string;
  readonly cert: Buffer;
  readonly key: Buffer;
  /** Extra trust anchor (the embedded platform's CA); the system roots otherwise. */
  readonly ca: Buffer | undefined;
}

export interface BackendServices {
  readonly presigner: Presigner;
  readonly objects: ObjectStore;
  readonly devices: DeviceDirectory;
  readonly sqs: SQSClient;
  readonly uploadQueueUrl: string;
  /** The backend's own MQTT session (user events, upload-URL requests); absent when not configured. */
  readonly mqtt: BackendMqttIdentity | undefined;
  /** Camera video streams (Kinesis Video Streams); absent when backend.video is disabled. */
  readonly video: VideoStreams | undefined;
  close(): void;
}
