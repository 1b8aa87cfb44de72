/**
 * PTP/IP packet types (CIPA DC-005 §2.3) and the PTP codes camlink uses (ISO 15740 Annex; libgphoto2
 * ptp.h names). camlink's vendor operations live at 0x9F0x-0x9F1x with VendorExtensionID 0 (generic):
 * no vendor profile of libgphoto2 claims them there (docs/ptpip.md "Codes"). docs/ptpip.md
 * documents their payloads.
 */
export const PacketType = {
  InitCommandRequest: 0x01,
  InitCommandAck: 0x02,
  InitEventRequest: 0x03,
  InitEventAck: 0x04,
  InitFail: 0x05,
  OperationRequest: 0x06,
  OperationResponse: 0x07,
  Event: 0x08,
  StartData: 0x09,
  Data: 0x0a,
  Cancel: 0x0b,
  EndData: 0x0c,
  ProbeRequest: 0x0d,
  ProbeResponse: 0x0e,
} as const;
export type PacketTypeCode = (typeof PacketType)[keyof typeof PacketType];

/** PTP/IP protocol version 1.0 (major in the high 16 bits). */
export const PTPIP_VERSION = 0x00010000;

export const InitFailReason = { RejectedInitiator: 1, Busy: 2, Unspecified: 3 } as const;

/** DataPhaseInfo of an Operation Request as libgphoto2 sends it: 2 = data-out, 1 = none or data-in. */
export const DataPhase = { NoDataOrIn: 1, Out: 2 } as const;

export const OperationCode = {
  GetDeviceInfo: 0x1001,
  OpenSession: 0x1002,
  CloseSession: 0x1003,
  GetStorageIDs: 0x1004,
  GetStorageInfo: 0x1005,
  GetNumObjects: 0x1006,
  GetObjectHandles: 0x1007,
  GetObjectInfo: 0x1008,
  GetObject: 0x1009,
  GetThumb: 0x100a,
  DeleteObject: 0x100b,
  InitiateCapture: 0x100e,
  GetPartialObject: 0x101b,
  // camlink vendor operations (docs/ptpip.md)
  CamlinkSetUploadTarget: 0x9f01,
  CamlinkGetStatus: 0x9f02,
  CamlinkGetIdentity: 0x9f10,
  CamlinkSignChallenge: 0x9f11,
  CamlinkGetSignature: 0x9f12,
  CamlinkUploadObject: 0x9f20,
} as const;

export const ResponseCode = {
  OK: 0x2001,
  GeneralError: 0x2002,
  SessionNotOpen: 0x2003,
  InvalidTransactionID: 0x2004,
  OperationNotSupported: 0x2005,
  ParameterNotSupported: 0x2006,
  IncompleteTransfer: 0x2007,
  InvalidStorageID: 0x2008,
  InvalidObjectHandle: 0x2009,
  NoThumbnailPresent: 0x2010,
  StoreFull: 0x200c,
  AccessDenied: 0x200f,
  DeviceBusy: 0x2019,
  InvalidParameter: 0x201d,
  SessionAlreadyOpen: 0x201e,
  TransactionCancelled: 0x201f,
} as const;

export const EventCode = {
  ObjectAdded: 0x4002,
  ObjectRemoved: 0x4003,
  StoreFull: 0x400a,
  CaptureComplete: 0x400d,
  // camlink vendor events (docs/ptpip.md): params (objectHandle, bytesSent, bytesTotal) / (objectHandle) / (objectHandle, reason)
  CamlinkUploadProgress: 0xc101,
  CamlinkUploadComplete: 0xc102,
  CamlinkUploadFailed: 0xc103,
} as const;

export const ObjectFormat = { Undefined: 0x3000, Association: 0x3001, ExifJpeg: 0x3801 } as const;
