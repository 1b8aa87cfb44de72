/**
 * Fuzzing of the one XML request body S3 accepts, CompleteMultipartUpload: arbitrary and mutated text
 * is refused with S3Error only, and generated documents parse back to the parts they were made of.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeXml, parseCompleteMultipartUpload, S3_NS, type CompletedPart } from './xml.js';
import { S3Error } from './s3-errors.js';
import { applyMutation, fuzz, mutation, onlyTyped } from '../../test/helpers/fuzz.js';

const MAX_PARTS = 50;
const isS3Error = (err: unknown) => err instanceof S3Error;

const checksumNames = ['CRC32', 'CRC32C', 'SHA1', 'SHA256', 'CRC64NVME'] as const;
const part = fc.record({
  partNumber: fc.integer({ min: 1, max: 10_000 }),
  etag: fc.string({ maxLength: 40 }).filter((s) => !s.startsWith('"') && !s.endsWith('"')),
  checksums: fc.dictionary(fc.constantFrom(...checksumNames), fc.base64String({ maxLength: 44 }), {
    maxKeys: 2,
  }),
});

/** Serializes as the SDKs do, with optional declaration, namespace and whitespace. */
function documentOf(parts: readonly CompletedPart[], decl: boolean, ns: boolean, ws: string): string {
  const body = parts
    .map((p) => {
      const sums = Object.entries(p.checksums)
        .map(([n, v]) => `<Checksum${n}>${escapeXml(v)}</Checksum${n}>`)
        .join(ws);
      return `<Part>${ws}<PartNumber>${p.partNumber}</PartNumber>${ws}<ETag>"${escapeXml(p.etag)}"</ETag>${sums}</Part>`;
    })
    .join(ws);
  const head = decl ? '<?xml version="1.0" encoding="UTF-8"?>\n' : '';
  return `${head}<CompleteMultipartUpload${ns ? ` xmlns="${S3_NS}"` : ''}>${ws}${body}${ws}</CompleteMultipartUpload>`;
}

const docArb = fc.record({
  parts: fc.array(part, { minLength: 1, maxLength: 8 }),
  decl: fc.boolean(),
  ns: fc.boolean(),
  ws: fc.constantFrom('', ' ', '\n', '\r\n\t'),
});

test('generated CompleteMultipartUpload documents parse back to their parts', () => {
  fc.assert(
    fc.property(docArb, ({ parts, decl, ns, ws }) => {
      const parsed = parseCompleteMultipartUpload(documentOf(parts, decl, ns, ws), MAX_PARTS);
      const expected = parts.map((p) => ({
        partNumber: p.partNumber,
        etag: p.etag,
        checksums: Object.fromEntries(Object.entries(p.checksums).map(([n, v]) => [n.toLowerCase(), v])),
      }));
      assert.deepEqual(parsed, expected);
    }),
    fuzz(500),
  );
});

const tokens = [
  '<CompleteMultipartUpload>',
  '</CompleteMultipartUpload>',
  '<Part>',
  '</Part>',
  '<PartNumber>',
  '</PartNumber>',
  '<ETag>',
  '</ETag>',
  '<ChecksumCRC32>',
  '</ChecksumCRC32>',
  '1',
  '99999',
  '"etag"',
  '&amp;',
  '&#0;',
  '&#99999999;',
  '&#x110000;',
  '&#xD800;',
  '&#65;',
  '&bogus;',
  '<?xml?>',
  '<!-- -->',
  ' ',
  '\n',
  '<',
  '>',
  '/',
];
const textArb = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.array(fc.constantFrom(...tokens), { maxLength: 40 }).map((t) => t.join('')),
);

test('arbitrary text is a part list or an S3Error, nothing else', () => {
  fc.assert(
    fc.property(textArb, (text) => onlyTyped(() => parseCompleteMultipartUpload(text, MAX_PARTS), isS3Error)),
    fuzz(2_000),
  );
});

const rawText = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc
    .array(
      fc.constantFrom(
        'a',
        '"',
        '&amp;',
        '&lt;',
        '&#65;',
        '&#x41;',
        '&#0;',
        '&#99999999;',
        '&#x110000;',
        '&#xD800;',
        '&#x1F600;',
        '&',
      ),
      { maxLength: 6 },
    )
    .map((t) => t.join('')),
);

test('well-structured documents with raw (unescaped) field text: parts or an S3Error', () => {
  fc.assert(
    fc.property(fc.array(fc.tuple(rawText, rawText), { minLength: 1, maxLength: 4 }), (fields) => {
      const parts = fields
        .map(([n, e]) => `<Part><PartNumber>${n}</PartNumber><ETag>${e}</ETag></Part>`)
        .join('');
      onlyTyped(
        () =>
          parseCompleteMultipartUpload(
            `<CompleteMultipartUpload>${parts}</CompleteMultipartUpload>`,
            MAX_PARTS,
          ),
        isS3Error,
      );
    }),
    fuzz(1_000),
  );
});

test('mutated valid documents are a part list or an S3Error', () => {
  fc.assert(
    fc.property(docArb, mutation, ({ parts, decl, ns, ws }, m) => {
      const valid = Buffer.from(documentOf(parts, decl, ns, ws), 'utf8');
      const text = Buffer.from(applyMutation(valid, m)).toString('utf8');
      onlyTyped(() => parseCompleteMultipartUpload(text, MAX_PARTS), isS3Error);
    }),
    fuzz(1_000),
  );
});

test('regression: character references outside Unicode or XML Char are MalformedXML, not RangeError', () => {
  for (const ref of ['&#99999999;', '&#x110000;', '&#0;', '&#xD800;', '&#x1;', '&#xFFFE;']) {
    const doc = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>${ref}</ETag></Part></CompleteMultipartUpload>`;
    assert.throws(
      () => parseCompleteMultipartUpload(doc, MAX_PARTS),
      (err: unknown) => err instanceof S3Error && err.code === 'MalformedXML',
      ref,
    );
  }
  const ok = `<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&#x41;&#66;&#x1F600;</ETag></Part></CompleteMultipartUpload>`;
  assert.equal(parseCompleteMultipartUpload(ok, MAX_PARTS)[0]?.etag, 'AB😀');
});

test('more parts than the limit is InvalidArgument, found before the whole list is read', () => {
  const parts = Array.from({ length: MAX_PARTS + 1 }, (_, i) => ({
    partNumber: i + 1,
    etag: 'e',
    checksums: {},
  }));
  assert.throws(
    () => parseCompleteMultipartUpload(documentOf(parts, false, false, ''), MAX_PARTS),
    (err: unknown) => err instanceof S3Error && err.code === 'InvalidArgument',
  );
});
