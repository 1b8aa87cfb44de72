/**
 * The XML S3 speaks (S3 API Reference, RESTObjectOps response bodies; namespace
 * http://s3.amazonaws.com/doc/2006-03-01/): a small writer for responses and a strict reader for the
 * one request body we accept, CompleteMultipartUpload.
 */
import { S3Error } from './s3-errors.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"\r]/g, (c) =>
    c === '<'
      ? '&lt;'
      : c === '>'
        ? '&gt;'
        : c === '&'
          ? '&amp;'
          : c === "'"
            ? '&apos;'
            : c === '"'
              ? '&quot;'
              : '&#13;',
  );
}

export type XmlValue = string | number | boolean | undefined | XmlNode | readonly XmlNode[];
export interface XmlNode {
  readonly [name: string]: XmlValue;
}

/** Renders `{ A: 'x', B: [{ C: 1 }, { C: 2 }] }` as <A>x</A><B><C>1</C></B><B><C>2</C></B>. */
export function xmlElements(node: XmlNode): string {
  let out = '';
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      for (const item of value as readonly XmlNode[]) out += `<${name}>${xmlElements(item)}</${name}>`;
    } else if (typeof value === 'object') {
      out += `<${name}>${xmlElements(value as XmlNode)}</${name}>`;
    } else {
      out += `<${name}>${escapeXml(String(value))}</${name}>`;
    }
  }
  return out;
}

export function xmlDocument(root: string, node: XmlNode, namespace = true): string {
  const ns = namespace ? ` xmlns="${S3_NS}"` : '';
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${ns}>${xmlElements(node)}</${root}>`;
}

export function errorXml(error: S3Error, resource: string, requestId: string): string {
  return xmlDocument(
    'Error',
    { Code: error.code, Message: error.message, ...error.extra, Resource: resource, RequestId: requestId },
    false,
  );
}

/** XML 1.0 §2.2 Char: what a character reference may name (anything else is not well-formed). */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

function unescapeXml(value: string): string {
  return value.replace(/&(lt|gt|amp|apos|quot|#\d+|#x[0-9a-fA-F]+);/g, (_m, entity: string) => {
    if (entity === 'lt') return '<';
    if (entity === 'gt') return '>';
    if (entity === 'amp') return '&';
    if (entity === 'apos') return "'";
    if (entity === 'quot') return '"';
    const code = entity.startsWith('#x') ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
    // "&#99999999;" once reached String.fromCodePoint and threw a RangeError (found by xml.fuzz.test.ts).
    if (!isXmlChar(code)) throw new S3Error('MalformedXML');
    return String.fromCodePoint(code);
  });
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
  checksums: Record<string, string>;
}

const PART_FIELDS = new Set([
  'PartNumber',
  'ETag',
  'ChecksumCRC32',
  'ChecksumCRC32C',
  'ChecksumSHA1',
  'ChecksumSHA256',
  'ChecksumCRC64NVME',
]);

/** <CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"…"</ETag></Part>…</CompleteMultipartUpload> */
export function parseCompleteMultipartUpload(body: string, maxParts: number): CompletedPart[] {
  const malformed = () => new S3Error('MalformedXML');
  const text = body.replace(/^\s*<\?xml[^>]*\?>/, '').trim();
  const root = /^<CompleteMultipartUpload(\s+xmlns="[^"]*")?\s*>([\s\S]*)<\/CompleteMultipartUpload>$/.exec(
    text,
  );
  if (!root) throw malformed();
  const inner = (root[2] ?? '').trim();
  const parts: CompletedPart[] = [];
  const partPattern = /<Part>([\s\S]*?)<\/Part>\s*/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = partPattern.exec(inner)) !== null) {
    consumed = partPattern.lastIndex;
    const fields = new Map<string, string>();
    const fieldPattern = /\s*<([A-Za-z0-9]+)>([^<]*)<\/\1>\s*/gy;
    let field: RegExpExecArray | null;
    let used = 0;
    const partText = match[1] ?? '';
    while ((field = fieldPattern.exec(partText)) !== null) {
      used = fieldPattern.lastIndex;
      const name = field[1] ?? '';
      if (!PART_FIELDS.has(name) || fields.has(name)) throw malformed();
      fields.set(name, unescapeXml(field[2] ?? ''));
    }
    if (used !== partText.length) throw malformed();
    const partNumber = fields.get('PartNumber');
    const etag = fields.get('ETag');
    if (partNumber === undefined || etag === undefined || !/^\d{1,5}$/.test(partNumber)) throw malformed();
    const checksums: Record<string, string> = {};
    for (const [name, value] of fields) {
      if (name.startsWith('Checksum')) checksums[name.slice('Checksum'.length).toLowerCase()] = value;
    }
    parts.push({ partNumber: Number(partNumber), etag: etag.replace(/^"|"$/g, ''), checksums });
    if (parts.length > maxParts)
      throw new S3Error('InvalidArgument', `a multipart upload has at most ${maxParts} parts`);
  }
  if (consumed !== inner.length || parts.length === 0) throw malformed();
  return parts;
}
