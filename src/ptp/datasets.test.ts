import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzz } from '../../test/helpers/fuzz.js';
import {
  decodeDeviceInfo,
  decodeObjectInfo,
  decodeStorageInfo,
  decodeUint32Array,
  encodeDeviceInfo,
  encodeObjectInfo,
  encodeStorageInfo,
  encodeUint32Array,
  type DeviceInfo,
  type ObjectInfo,
} from './datasets.js';
import { PtpCodecError } from './errors.js';
import { PtpReader } from './reader.js';
import { readPtpString, writePtpString } from './strings.js';
import { PtpWriter } from './writer.js';

const device: DeviceInfo = {
  standardVersion: 100,
  vendorExtensionId: 0,
  vendorExtensionVersion: 100,
  vendorExtensionDesc: 'camlink: 1.0',
  functionalMode: 0,
  operationsSupported: [0x1001, 0x1002, 0x1003, 0x9f01],
  eventsSupported: [0x4002, 0x400d],
  devicePropertiesSupported: [],
  captureFormats: [0x3801],
  imageFormats: [0x3801, 0x3001],
  manufacturer: 'camlink',
  model: 'Kamera ü 📷',
  deviceVersion: '0.1.0',
  serialNumber: 'cam-0001',
};

test('PTP strings: count includes the NUL, UTF-16 units (a surrogate pair is two), empty is one 00 byte', () => {
  const w = new PtpWriter();
  writePtpString(w, '');
  writePtpString(w, 'A');
  writePtpString(w, '📷');
  const bytes = w.toBuffer();
  assert.equal(bytes.toString('hex'), '00' + '02' + '41000000' + '03' + '3dd8f7dc0000');
  const r = new PtpReader(bytes);
  assert.deepEqual([readPtpString(r), readPtpString(r), readPtpString(r)], ['', 'A', '📷']);
  const max = 'x'.repeat(254);
  const w2 = new PtpWriter();
  writePtpString(w2, max);
  assert.equal(readPtpString(new PtpReader(w2.toBuffer())), max);
  assert.throws(
    () => writePtpString(new PtpWriter(), 'x'.repeat(255)),
    (e) => e instanceof PtpCodecError,
  );
  assert.throws(() => readPtpString(new PtpReader(Buffer.from('0241004100', 'hex'))), /last unit is not NUL/);
  assert.throws(
    () => readPtpString(new PtpReader(Buffer.from('0341', 'hex'))),
    (e) => e instanceof PtpCodecError,
  );
});

test('DeviceInfo, StorageInfo and ObjectInfo round-trip exactly; truncation and trailing bytes are refused', () => {
  const d = encodeDeviceInfo(device);
  assert.deepEqual(decodeDeviceInfo(d), device);
  const storage = {
    storageType: 4,
    filesystemType: 3,
    accessCapability: 0,
    maxCapacity: 32 * 2 ** 30,
    freeSpaceInBytes: 2 ** 40,
    freeSpaceInImages: 1234,
    storageDescription: 'SD',
    volumeLabel: '',
  };
  assert.deepEqual(decodeStorageInfo(encodeStorageInfo(storage)), storage);
  const object: ObjectInfo = {
    storageId: 0x00010001,
    objectFormat: 0x3801,
    protectionStatus: 0,
    objectCompressedSize: 123456,
    thumbFormat: 0,
    thumbCompressedSize: 0,
    thumbPixWidth: 0,
    thumbPixHeight: 0,
    imagePixWidth: 16,
    imagePixHeight: 16,
    imageBitDepth: 24,
    parentObject: 2,
    associationType: 0,
    associationDesc: 0,
    sequenceNumber: 0,
    filename: 'CAML0001.JPG',
    captureDate: '20261127T080509',
    modificationDate: '20261127T080509',
    keywords: '',
  };
  const o = encodeObjectInfo(object);
  assert.equal(
    o[52],
    'CAML0001.JPG'.length + 1,
    'the Filename count sits at offset 52 (gphoto2 reads it there)',
  );
  assert.deepEqual(decodeObjectInfo(o), object);
  for (let cut = 0; cut < d.length; cut++) {
    assert.throws(
      () => decodeDeviceInfo(d.subarray(0, cut)),
      (e) => e instanceof PtpCodecError,
      `cut ${cut}`,
    );
  }
  assert.throws(() => decodeObjectInfo(Buffer.concat([o, Buffer.from([0])])), /trailing/);
  assert.deepEqual(decodeUint32Array(encodeUint32Array([0x00010001, 7])), [0x00010001, 7]);
  assert.throws(
    () => decodeUint32Array(Buffer.from('ffffffff', 'hex')),
    (e) => e instanceof PtpCodecError,
  );
});

test('fuzz: dataset decoders throw only PtpCodecError on arbitrary bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      for (const decode of [decodeDeviceInfo, decodeStorageInfo, decodeObjectInfo, decodeUint32Array]) {
        try {
          decode(Buffer.from(bytes));
        } catch (err) {
          assert.ok(err instanceof PtpCodecError, String(err));
        }
      }
    }),
    fuzz(2000),
  );
});
