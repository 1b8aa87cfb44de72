/**
 * The device endpoints file: everything a camera needs to reach the cloud, and nothing else (no keys,
 * no operator endpoints). `camlink aws device-endpoints` writes it from DescribeEndpoint (against AWS
 * or the embedded platform); `camlink camera` and `camlink camera stream` read it with --endpoints.
 * Not secret. Relative CA paths resolve against the file's directory. See docs/device.md.
 */
import { z } from 'zod';
import { CAMERA_ROLE_ALIAS } from './camera-role.js';

export const DEVICE_ENDPOINTS_FORMAT = 'camlink-device-endpoints/1';

/** A region name (us-east-1, cn-north-1, us-gov-west-1, ...). */
const region = z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/);
/** A host with an optional port, no path, user or query. */
const origin = (scheme: string) =>
  z
    .string()
    .max(512)
    .regex(new RegExp(`^${scheme}://(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+)(:\\d{1,5})?/?$`));
const caPath = z.string().min(1).max(4096);

export const deviceEndpointsSchema = z.strictObject({
  format: z.literal(DEVICE_ENDPOINTS_FORMAT),
  /** The IoT data endpoint (DescribeEndpoint iot:Data-ATS): mqtts://host:8883. */
  mqtt: origin('mqtts'),
  /** The IoT credentials provider (DescribeEndpoint iot:CredentialProvider): https://host. */
  credentialsProvider: origin('https'),
  /** The role alias the camera asks the credentials provider for. */
  roleAlias: z
    .string()
    .regex(/^[\w=,@-]{1,128}$/)
    .default(CAMERA_ROLE_ALIAS),
  region,
  partition: z.enum(['aws', 'aws-cn']),
  /** Where the camera's Kinesis video stream is (KVS is not in every region); default: region. */
  videoRegion: region.optional(),
  /** The KVS control plane (the embedded platform's); absent: AWS in videoRegion. */
  kvsEndpoint: z
    .string()
    .max(512)
    .regex(/^https?:\/\/[^/\s]+\/?$/)
    .optional(),
  /** The CA of the IoT data and credentials endpoints: Amazon Root CA 1 on AWS, the operator CA locally. */
  iotCaPath: caPath,
  /** An extra CA for storage and KVS, trusted on top of the system roots. */
  storageCaPath: caPath.optional(),
});

export type DeviceEndpointsInput = z.input<typeof deviceEndpointsSchema>;
export type DeviceEndpoints = z.output<typeof deviceEndpointsSchema>;
