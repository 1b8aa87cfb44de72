/**
 * The camera's PTP operations (ISO 15740 §10) over its picture storage, enough for libgphoto2 to read
 * it (summary, list, download, capture: docs/ptpip.md "Camera operations"), plus camlink's vendor
 * operations for the phone app (docs/ptpip.md): identity, signing a pairing challenge with the device
 * key, and the upload target hand-off. Session rules: OpenSession first (GetDeviceInfo works without),
 * one session at a time; everything else answers SessionNotOpen.
 */
import { sign, type KeyObject } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import { EventCode, ObjectFormat, OperationCode, ResponseCode } from '../ptp/codes.js';
import {
  encodeDeviceInfo,
  encodeObjectInfo,
  encodeStorageInfo,
  encodeUint32Array,
  type DeviceInfo,
} from '../ptp/datasets.js';
import type { OperationHandler, OperationRequest, OperationResult, PtpSession } from '../ptp/responder.js';
import type { CameraStorage } from './camera-storage.js';
import { FORMAT_ASSOCIATION, ptpDateTime, STORAGE_ID, type CameraObject } from './camera-storage.js';
import {
  UPLOAD_TARGET_MAX_BYTES,
  uploadTargetSchema,
  type UploadTargetPayload,
} from '../contracts/upload-target.js';
import { SAMPLE_JPEG_HEIGHT, SAMPLE_JPEG_WIDTH, sampleJpeg } from './sample-images.js';

export interface CameraIdentity {
  readonly deviceId: string;
  readonly certificatePem: string;
  readonly privateKey: KeyObject;
}

export interface PtpCameraOptions {
  readonly storage: CameraStorage;
  readonly identity: CameraIdentity;
  readonly model?: string;
  readonly version?: string;
  /** Card size reported in StorageInfo. */
  readonly capacityBytes?: number;
  /** Receives the upload target the app handed over (SetUploadTarget), already parsed as JSON. */
  readonly onUploadTarget?: (target: UploadTargetPayload) => void;
  /**
   * Uploads a picture to the last target handed over and announces it (the camera agent's
   * uploadAndAnnounce); UploadObject (0x9F20) runs it in the background and reports progress events.
   */
  readonly upload?: (
    object: CameraObject,
    target: UploadTargetPayload,
    onProgress: (sent: number, total: number) => void,
  ) => Promise<void>;
}

/** UploadFailed reasons (second event parameter). */
export const UploadFailure = { Refused: 1, Failed: 2, Other: 3 } as const;

const SUPPORTED_OPERATIONS = [
  OperationCode.GetDeviceInfo,
  OperationCode.OpenSession,
  OperationCode.CloseSession,
  OperationCode.GetStorageIDs,
  OperationCode.GetStorageInfo,
  OperationCode.GetNumObjects,
  OperationCode.GetObjectHandles,
  OperationCode.GetObjectInfo,
  OperationCode.GetObject,
  OperationCode.DeleteObject,
  OperationCode.InitiateCapture,
  OperationCode.GetPartialObject,
  OperationCode.CamlinkSetUploadTarget,
  OperationCode.CamlinkGetIdentity,
  OperationCode.CamlinkSignChallenge,
  OperationCode.CamlinkGetSignature,
  OperationCode.CamlinkUploadObject,
];
const SUPPORTED_EVENTS = [
  EventCode.ObjectAdded,
  EventCode.ObjectRemoved,
  EventCode.CaptureComplete,
  EventCode.CamlinkUploadProgress,
  EventCode.CamlinkUploadComplete,
  EventCode.CamlinkUploadFailed,
];
const DATA_OUT = new Set<number>([OperationCode.CamlinkSetUploadTarget, OperationCode.CamlinkSignChallenge]);
/** A pairing signing input is ~150 bytes; anything much larger is not one. */
const MAX_SIGNING_INPUT = 1024;

export function ptpCamera(options: PtpCameraOptions): OperationHandler {
  const { storage, identity } = options;
  let session: PtpSession | undefined;
  let signature: Buffer | undefined;
  let target: UploadTargetPayload | undefined;
  const uploading = new Set<number>();
  let captures = 0;

  const deviceInfo = (): DeviceInfo => ({
    standardVersion: 100,
    vendorExtensionId: 0,
    vendorExtensionVersion: 100,
    vendorExtensionDesc: 'camlink: 1.0',
    functionalMode: 0,
    operationsSupported: SUPPORTED_OPERATIONS,
    eventsSupported: SUPPORTED_EVENTS,
    devicePropertiesSupported: [],
    captureFormats: [ObjectFormat.ExifJpeg],
    imageFormats: [ObjectFormat.Association, ObjectFormat.ExifJpeg],
    manufacturer: 'camlink',
    model: options.model ?? 'camlink camera',
    deviceVersion: options.version ?? '0.1.0',
    serialNumber: identity.deviceId.slice(0, 254),
  });

  const objectInfo = (o: CameraObject): Buffer => {
    const folder = o.format === FORMAT_ASSOCIATION;
    const date = ptpDateTime(o.capturedAt);
    return encodeObjectInfo({
      storageId: STORAGE_ID,
      objectFormat: o.format,
      protectionStatus: 0,
      objectCompressedSize: o.size,
      thumbFormat: 0,
      thumbCompressedSize: 0,
      thumbPixWidth: 0,
      thumbPixHeight: 0,
      imagePixWidth: folder ? 0 : SAMPLE_JPEG_WIDTH,
      imagePixHeight: folder ? 0 : SAMPLE_JPEG_HEIGHT,
      imageBitDepth: folder ? 0 : 24,
      parentObject: o.parent,
      associationType: folder ? 1 : 0,
      associationDesc: 0,
      sequenceNumber: 0,
      filename: o.filename,
      captureDate: date,
      modificationDate: date,
      keywords: '',
    });
  };

  const ok = (data?: Buffer, params?: number[]): OperationResult => ({
    code: ResponseCode.OK,
    ...(data ? { data } : {}),
    ...(params ? { params } : {}),
  });
  const fail = (code: number): OperationResult => ({ code });

  const file = (handle: number | undefined): CameraObject | undefined => {
    const o = handle === undefined ? undefined : storage.get(handle);
    return o?.path === undefined ? undefined : o;
  };

  const handle = async (req: OperationRequest, from: PtpSession): Promise<OperationResult> => {
    const [p1, p2, p3] = req.params;
    if (req.code === OperationCode.GetDeviceInfo) return ok(encodeDeviceInfo(deviceInfo()));
    if (req.code === OperationCode.OpenSession) {
      if (session === from) return fail(ResponseCode.SessionAlreadyOpen);
      session = from;
      return ok();
    }
    if (session !== from) return fail(ResponseCode.SessionNotOpen);
    switch (req.code) {
      case OperationCode.CloseSession:
        session = undefined;
        return ok();
      case OperationCode.GetStorageIDs:
        return ok(encodeUint32Array([STORAGE_ID]));
      case OperationCode.GetStorageInfo: {
        if (p1 !== STORAGE_ID) return fail(ResponseCode.InvalidStorageID);
        const capacity = options.capacityBytes ?? 32 * 1024 ** 3;
        const free = Math.max(0, capacity - storage.totalBytes());
        return ok(
          encodeStorageInfo({
            storageType: 4,
            filesystemType: 3,
            accessCapability: 0,
            maxCapacity: capacity,
            freeSpaceInBytes: free,
            freeSpaceInImages: Math.min(0xffffffff, Math.floor(free / 1_000_000)),
            storageDescription: 'camlink card',
            volumeLabel: 'CAMLINK',
          }),
        );
      }
      case OperationCode.GetNumObjects:
      case OperationCode.GetObjectHandles: {
        if (p1 !== STORAGE_ID && p1 !== 0xffffffff) return fail(ResponseCode.InvalidStorageID);
        const format = p2 ?? 0;
        const handles = storage
          .handles(p3 ?? 0)
          .filter((h) => format === 0 || storage.get(h)?.format === format);
        return req.code === OperationCode.GetNumObjects
          ? ok(undefined, [handles.length])
          : ok(encodeUint32Array(handles));
      }
      case OperationCode.GetObjectInfo: {
        const o = p1 === undefined ? undefined : storage.get(p1);
        return o === undefined ? fail(ResponseCode.InvalidObjectHandle) : ok(objectInfo(o));
      }
      case OperationCode.GetObject: {
        const o = file(p1);
        return o === undefined
          ? fail(ResponseCode.InvalidObjectHandle)
          : ok(await buffer(storage.read(o.handle)));
      }
      case OperationCode.GetPartialObject: {
        const o = file(p1);
        if (o === undefined) return fail(ResponseCode.InvalidObjectHandle);
        const bytes = await buffer(storage.read(o.handle, p2 ?? 0, p3 ?? 0));
        return ok(bytes, [bytes.length]);
      }
      case OperationCode.DeleteObject: {
        const o = file(p1);
        if (o === undefined) return fail(ResponseCode.InvalidObjectHandle);
        await storage.delete(o.handle);
        return ok();
      }
      case OperationCode.InitiateCapture: {
        captures++;
        const shot = await storage.add(sampleJpeg(`camlink capture ${captures} ${new Date().toISOString()}`));
        // libgphoto2 needs ObjectAdded, then CaptureComplete, after the response.
        return {
          code: ResponseCode.OK,
          after: () => {
            from.sendEvent(EventCode.ObjectAdded, [shot.handle]);
            from.sendEvent(EventCode.CaptureComplete, [], req.transactionId);
          },
        };
      }
      case OperationCode.CamlinkGetIdentity:
        return ok(
          Buffer.from(
            JSON.stringify({ deviceId: identity.deviceId, certificatePem: identity.certificatePem }),
          ),
        );
      case OperationCode.CamlinkSignChallenge: {
        const input = req.data ?? Buffer.alloc(0);
        if (input.length === 0 || input.length > MAX_SIGNING_INPUT)
          return fail(ResponseCode.InvalidParameter);
        // Only what the pairing contract defines is signed: the key signs nothing else.
        if (!input.toString('utf8').startsWith(`camlink-pairing-v1\n${identity.deviceId}\n`)) {
          return fail(ResponseCode.InvalidParameter);
        }
        signature = sign('sha256', input, identity.privateKey);
        return ok();
      }
      case OperationCode.CamlinkGetSignature:
        return signature === undefined ? fail(ResponseCode.AccessDenied) : ok(signature);
      case OperationCode.CamlinkSetUploadTarget: {
        const raw = req.data ?? Buffer.alloc(0);
        if (raw.length > UPLOAD_TARGET_MAX_BYTES) return fail(ResponseCode.InvalidParameter);
        let json: unknown;
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch {
          return fail(ResponseCode.InvalidParameter);
        }
        const parsed = uploadTargetSchema.safeParse(json);
        if (!parsed.success) return fail(ResponseCode.InvalidParameter);
        target = parsed.data;
        options.onUploadTarget?.(target);
        return ok();
      }
      case OperationCode.CamlinkUploadObject: {
        const o = file(p1);
        if (o === undefined) return fail(ResponseCode.InvalidObjectHandle);
        if (options.upload === undefined || target === undefined) return fail(ResponseCode.AccessDenied);
        if (uploading.has(o.handle)) return fail(ResponseCode.DeviceBusy);
        // Answered at once (initiators time out after 2.5 s); progress and the end come as events.
        const upload = options.upload;
        const handed = target;
        target = undefined; // a target is for one upload
        uploading.add(o.handle);
        let reported = 0;
        return {
          code: ResponseCode.OK,
          after: () => {
            upload(o, handed, (sent, total) => {
              if (sent === total || sent - reported >= Math.max(65_536, total / 10)) {
                reported = sent;
                from.sendEvent(EventCode.CamlinkUploadProgress, [o.handle, sent, total]);
              }
            })
              .then(() => from.sendEvent(EventCode.CamlinkUploadComplete, [o.handle]))
              .catch((err: unknown) => {
                const code = (err as { code?: unknown }).code;
                const reason =
                  code === 'DEVICE_UPLOAD_REFUSED'
                    ? UploadFailure.Refused
                    : code === 'DEVICE_UPLOAD_FAILED'
                      ? UploadFailure.Failed
                      : UploadFailure.Other;
                from.sendEvent(EventCode.CamlinkUploadFailed, [o.handle, reason]);
              })
              .finally(() => uploading.delete(o.handle));
          },
        };
      }
      default:
        return fail(ResponseCode.OperationNotSupported);
    }
  };

  return {
    takesData: (code) => DATA_OUT.has(code),
    handle,
    closed(from) {
      if (session === from) session = undefined;
    },
  };
}
