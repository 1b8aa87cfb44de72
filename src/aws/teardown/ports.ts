/**
 * What teardown needs of AWS IoT, Kinesis Video Streams and S3, as narrow interfaces: the SDK adapters
 * (iot-port.ts, kvs-port.ts, s3-port.ts) implement them against AWS or the embedded platform, and the
 * unit test implements them with a fake. Failures are thrown as the SDK throws them (an Error whose
 * name is the service's error name, e.g. DeleteConflictException).
 */
export interface Page<T> {
  readonly items: readonly T[];
  /** The token of the next page; undefined on the last one. */
  readonly next: string | undefined;
}

export interface CertificateSummary {
  readonly certificateId: string;
  readonly certificateArn: string;
  readonly status: string;
}

export interface IotPort {
  /** The CA's status, or undefined when it is not registered (ResourceNotFoundException). */
  caStatus(caCertificateId: string): Promise<string | undefined>;
  listCertificatesByCa(caCertificateId: string, marker?: string): Promise<Page<CertificateSummary>>;
  listPrincipalThings(certificateArn: string, nextToken?: string): Promise<Page<string>>;
  listThingPrincipals(thingName: string, nextToken?: string): Promise<Page<string>>;
  listAttachedPolicies(certificateArn: string, marker?: string): Promise<Page<string>>;
  detachThingPrincipal(thingName: string, certificateArn: string): Promise<void>;
  detachPolicy(policyName: string, certificateArn: string): Promise<void>;
  updateCertificate(certificateId: string, status: 'INACTIVE'): Promise<void>;
  deleteCertificate(certificateId: string): Promise<void>;
  deleteThing(thingName: string): Promise<void>;
  updateCaCertificate(caCertificateId: string, status: 'INACTIVE'): Promise<void>;
  deleteCaCertificate(caCertificateId: string): Promise<void>;
}

export interface StreamSummary {
  readonly name: string;
  readonly arn: string;
  readonly status: string;
}

export interface KvsPort {
  listStreams(nextToken?: string): Promise<Page<StreamSummary>>;
  deleteStream(streamArn: string): Promise<void>;
}

export interface ObjectVersion {
  readonly key: string;
  /** undefined when the store lists without versions (ListObjectsV2). */
  readonly versionId: string | undefined;
}

export interface MultipartUpload {
  readonly key: string;
  readonly uploadId: string;
}

export interface S3Port {
  bucketExists(bucket: string): Promise<boolean>;
  /** Object versions and delete markers (ListObjectVersions); throws NotImplemented where unsupported. */
  listObjectVersions(bucket: string, marker?: string): Promise<Page<ObjectVersion>>;
  /** Current objects (ListObjectsV2), for stores without ListObjectVersions. */
  listObjects(bucket: string, continuationToken?: string): Promise<Page<ObjectVersion>>;
  deleteObject(bucket: string, object: ObjectVersion): Promise<void>;
  listMultipartUploads(bucket: string, marker?: string): Promise<Page<MultipartUpload>>;
  abortMultipartUpload(bucket: string, upload: MultipartUpload): Promise<void>;
  deleteBucket(bucket: string): Promise<void>;
}

/** Every page of a paginated listing, in order. */
export async function listAll<T>(list: (token?: string) => Promise<Page<T>>): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await list(token);
    all.push(...page.items);
    token = page.next;
  } while (token !== undefined);
  return all;
}
