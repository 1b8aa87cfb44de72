/**
 * PTP datasets (ISO 15740 §5.5; field order as libgphoto2's ptp-pack.c 2.5.30 parses them, see
 * docs/ptpip.md "Strings and datasets"): DeviceInfo, StorageInfo, ObjectInfo, and uint32 arrays (storage
 * ids, object handles). The camera encodes them, the app and the tests decode them; decode(encode(x))
 * is x, and decoding refuses truncation and trailing bytes.
 */
import { PtpReader } from './reader.js';
import { readPtpString, writePtpString } from './strings.js';
import { PtpWriter } from './writer.js';

export interface DeviceInfo {
  standardVersion: number;
  vendorExtensionId: number;
  vendorExtensionVersion: number;
  vendorExtensionDesc: string;
  functionalMode: number;
  operationsSupported: number[];
  eventsSupported: number[];
  devicePropertiesSupported: number[];
  captureFormats: number[];
  imageFormats: number[];
  manufacturer: string;
  model: string;
  deviceVersion: string;
  serialNumber: string;
}

export function encodeDeviceInfo(d: DeviceInfo): Buffer {
  const w = new PtpWriter();
  w.u16(d.standardVersion).u32(d.vendorExtensionId).u16(d.vendorExtensionVersion);
  writePtpString(w, d.vendorExtensionDesc);
  w.u16(d.functionalMode);
  w.array(2, d.operationsSupported)
    .array(2, d.eventsSupported)
    .array(2, d.devicePropertiesSupported)
    .array(2, d.captureFormats)
    .array(2, d.imageFormats);
  for (const s of [d.manufacturer, d.model, d.deviceVersion, d.serialNumber]) writePtpString(w, s);
  return w.toBuffer();
}

export function decodeDeviceInfo(buf: Buffer): DeviceInfo {
  const r = new PtpReader(buf);
  const info: DeviceInfo = {
    standardVersion: r.u16('StandardVersion'),
    vendorExtensionId: r.u32('VendorExtensionID'),
    vendorExtensionVersion: r.u16('VendorExtensionVersion'),
    vendorExtensionDesc: readPtpString(r, 'VendorExtensionDesc'),
    functionalMode: r.u16('FunctionalMode'),
    operationsSupported: r.array(2, 'OperationsSupported'),
    eventsSupported: r.array(2, 'EventsSupported'),
    devicePropertiesSupported: r.array(2, 'DevicePropertiesSupported'),
    captureFormats: r.array(2, 'CaptureFormats'),
    imageFormats: r.array(2, 'ImageFormats'),
    manufacturer: readPtpString(r, 'Manufacturer'),
    model: readPtpString(r, 'Model'),
    deviceVersion: readPtpString(r, 'DeviceVersion'),
    serialNumber: readPtpString(r, 'SerialNumber'),
  };
  r.end('DeviceInfo');
  return info;
}

export interface StorageInfo {
  storageType: number;
  filesystemType: number;
  accessCapability: number;
  maxCapacity: number;
  freeSpaceInBytes: number;
  freeSpaceInImages: number;
  storageDescription: string;
  volumeLabel: string;
}

export function encodeStorageInfo(s: StorageInfo): Buffer {
  const w = new PtpWriter();
  w.u16(s.storageType).u16(s.filesystemType).u16(s.accessCapability);
  w.u64(s.maxCapacity).u64(s.freeSpaceInBytes).u32(s.freeSpaceInImages);
  writePtpString(w, s.storageDescription);
  writePtpString(w, s.volumeLabel);
  return w.toBuffer();
}

export function decodeStorageInfo(buf: Buffer): StorageInfo {
  const r = new PtpReader(buf);
  const info: StorageInfo = {
    storageType: r.u16('StorageType'),
    filesystemType: r.u16('FilesystemType'),
    accessCapability: r.u16('AccessCapability'),
    maxCapacity: r.u64('MaxCapacity'),
    freeSpaceInBytes: r.u64('FreeSpaceInBytes'),
    freeSpaceInImages: r.u32('FreeSpaceInImages'),
    storageDescription: readPtpString(r, 'StorageDescription'),
    volumeLabel: readPtpString(r, 'VolumeLabel'),
  };
  r.end('StorageInfo');
  return info;
}

export interface ObjectInfo {
  storageId: number;
  objectFormat: number;
  protectionStatus: number;
  objectCompressedSize: number;
  thumbFormat: number;
  thumbCompressedSize: number;
  thumbPixWidth: number;
  thumbPixHeight: number;
  imagePixWidth: number;
  imagePixHeight: number;
  imageBitDepth: number;
  parentObject: number;
  associationType: number;
  associationDesc: number;
  sequenceNumber: number;
  filename: string;
  /** "YYYYMMDDThhmmss" */
  captureDate: string;
  modificationDate: string;
  keywords: string;
}

export function encodeObjectInfo(o: ObjectInfo): Buffer {
  const w = new PtpWriter();
  w.u32(o.storageId).u16(o.objectFormat).u16(o.protectionStatus).u32(o.objectCompressedSize);
  w.u16(o.thumbFormat).u32(o.thumbCompressedSize).u32(o.thumbPixWidth).u32(o.thumbPixHeight);
  w.u32(o.imagePixWidth).u32(o.imagePixHeight).u32(o.imageBitDepth).u32(o.parentObject);
  w.u16(o.associationType).u32(o.associationDesc).u32(o.sequenceNumber);
  for (const s of [o.filename, o.captureDate, o.modificationDate, o.keywords]) writePtpString(w, s);
  return w.toBuffer();
}

export function decodeObjectInfo(buf: Buffer): ObjectInfo {
  const r = new PtpReader(buf);
  const info: ObjectInfo = {
    storageId: r.u32('StorageID'),
    objectFormat: r.u16('ObjectFormat'),
    protectionStatus: r.u16('ProtectionStatus'),
    objectCompressedSize: r.u32('ObjectCompressedSize'),
    thumbFormat: r.u16('ThumbFormat'),
    thumbCompressedSize: r.u32('ThumbCompressedSize'),
    thumbPixWidth: r.u32('ThumbPixWidth'),
    thumbPixHeight: r.u32('ThumbPixHeight'),
    imagePixWidth: r.u32('ImagePixWidth'),
    imagePixHeight: r.u32('ImagePixHeight'),
    imageBitDepth: r.u32('ImageBitDepth'),
    parentObject: r.u32('ParentObject'),
    associationType: r.u16('AssociationType'),
    associationDesc: r.u32('AssociationDesc'),
    sequenceNumber: r.u32('SequenceNumber'),
    filename: readPtpString(r, 'Filename'),
    captureDate: readPtpString(r, 'CaptureDate'),
    modificationDate: readPtpString(r, 'ModificationDate'),
    keywords: readPtpString(r, 'Keywords'),
  };
  r.end('ObjectInfo');
  return info;
}

export function encodeUint32Array(values: readonly number[]): Buffer {
  return new PtpWriter().array(4, values).toBuffer();
}

export function decodeUint32Array(buf: Buffer, what = 'array'): number[] {
  const r = new PtpReader(buf);
  const values = r.array(4, what);
  r.end(what);
  return values;
}
