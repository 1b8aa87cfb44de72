/**
 * The body of a PutObject or UploadPart as S3 checks it: declared length (Content-Length, or
 * x-amz-decoded-content-length for aws-chunked) against the limit before reading; the payload mode from
 * the signature (hex SHA-256 / UNSIGNED-PAYLOAD / the three STREAMING-* modes); Content-MD5;
 * x-amz-checksum-* headers and trailers (CRC32, CRC32C, SHA-1, SHA-256; CRC64NVME is not implemented and
 * refused rather than stored unchecked). Checksums that arrive only as pre-signed query parameters are
 * signed but not validated, as S3 does (they describe an empty body).
 */
import { unlink } from 'node:fs/promises';
import { ChunkSignatureChain } from '../auth/sigv4/chunk-signature.js';
import { UNSIGNED_PAYLOAD } from '../auth/sigv4/verify.js';
import { AwsChunkedDecoder } from './aws-chunked.js';
import { receiveBody, type ReceivedBody } from './body-sink.js';
import { checksumAlgorithms, isChecksumAlgorithm, type ChecksumAlgorithm } from './checksums.js';
import { header, type S3RequestContext, type StorageContext } from './context.js';
import { S3Error } from './s3-errors.js';

export interface UploadedBody extends ReceivedBody {
  /** The checksum algorithm the client asked for (header, trailer or x-amz-sdk-checksum-algorithm). */
  requested: ChecksumAlgorithm | undefined;
}

const NAMES: Record<ChecksumAlgorithm, string> = {
  crc32: 'CRC32',
  crc32c: 'CRC32C',
  sha1: 'SHA1',
  sha256: 'SHA256',
};

function parseLength(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d{1,16}$/.test(value))
    throw new S3Error('InvalidArgument', `${name} must be a non-negative integer`);
  return Number(value);
}

export async function receiveUpload(
  storage: StorageContext,
  ctx: S3RequestContext,
  bucket: string,
  maxBytes: number,
): Promise<UploadedBody> {
  const payload = ctx.auth.kind === 'sigv4' ? ctx.auth.sigv4.payloadHash : UNSIGNED_PAYLOAD;
  const streaming = payload.startsWith('STREAMING-');
  const contentLength = parseLength(header(ctx, 'content-length'), 'Content-Length');
  const decodedLength = parseLength(
    header(ctx, 'x-amz-decoded-content-length'),
    'x-amz-decoded-content-length',
  );
  const length = streaming ? decodedLength : contentLength;
  if (length === undefined) {
    throw new S3Error(
      'MissingContentLength',
      streaming
        ? 'aws-chunked uploads must send x-amz-decoded-content-length'
        : 'You must provide the Content-Length HTTP header.',
    );
  }
  if (length > maxBytes) {
    throw new S3Error(
      'EntityTooLarge',
      `Your proposed upload of ${length} bytes exceeds the limit of ${maxBytes} bytes`,
      {
        ProposedSize: String(length),
        MaxSizeAllowed: String(maxBytes),
      },
    );
  }

  // Refuse before streaming when the declared body cannot fit (the write would end in ENOSPC anyway).
  if (length > (await storage.store.freeBytes())) {
    throw new S3Error(
      'InsufficientStorage',
      `Your proposed upload of ${length} bytes does not fit in the free space of the store`,
      { ProposedSize: String(length) },
    );
  }

  const wanted = new Set<ChecksumAlgorithm>();
  let requested: ChecksumAlgorithm | undefined;
  const expected = new Map<ChecksumAlgorithm, string>();
  if (
    header(ctx, 'x-amz-checksum-crc64nvme') !== undefined ||
    /crc64nvme/i.test(header(ctx, 'x-amz-trailer') ?? '')
  ) {
    throw new S3Error(
      'NotImplemented',
      'CRC64NVME checksums are not implemented by this store; use CRC32, CRC32C, SHA1 or SHA256',
    );
  }
  for (const alg of checksumAlgorithms) {
    const value = header(ctx, `x-amz-checksum-${alg}`);
    if (value !== undefined) {
      expected.set(alg, value);
      wanted.add(alg);
      requested = alg;
    }
  }
  const sdkAlgorithm = header(ctx, 'x-amz-sdk-checksum-algorithm')?.toLowerCase();
  if (sdkAlgorithm !== undefined) {
    if (!isChecksumAlgorithm(sdkAlgorithm)) {
      throw new S3Error(
        'InvalidRequest',
        `Value for x-amz-sdk-checksum-algorithm header is invalid: ${sdkAlgorithm}`,
      );
    }
    wanted.add(sdkAlgorithm);
    requested ??= sdkAlgorithm;
  }
  const trailerNames = (header(ctx, 'x-amz-trailer') ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '');
  for (const name of trailerNames) {
    const alg = name.replace(/^x-amz-checksum-/, '');
    if (!name.startsWith('x-amz-checksum-') || !isChecksumAlgorithm(alg)) {
      throw new S3Error('InvalidRequest', `The trailer ${name} is not supported`);
    }
    wanted.add(alg);
    requested = alg;
  }
  if (trailerNames.length > 0 && !payload.endsWith('-TRAILER')) {
    throw new S3Error('InvalidRequest', 'x-amz-trailer needs a STREAMING-*-TRAILER x-amz-content-sha256');
  }
  const hexPayload = /^[0-9a-f]{64}$/.test(payload);
  if (hexPayload) wanted.add('sha256');
  const contentMd5 = header(ctx, 'content-md5');
  if (contentMd5 !== undefined && Buffer.from(contentMd5, 'base64').length !== 16) {
    throw new S3Error('InvalidDigest');
  }

  let decoder: AwsChunkedDecoder | undefined;
  if (streaming) {
    const signed = payload.startsWith('STREAMING-AWS4-HMAC-SHA256-PAYLOAD');
    const sig = ctx.auth.kind === 'sigv4' ? ctx.auth.sigv4 : undefined;
    decoder = new AwsChunkedDecoder({
      chain:
        signed && sig
          ? new ChunkSignatureChain(sig.signingKey, sig.amzDate, sig.scope, sig.signature)
          : undefined,
      trailerNames,
      signedTrailer: payload === 'STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER',
      decodedLength,
    });
  }

  const received = await receiveBody(storage.store, bucket, ctx.req, { decoder, maxBytes, wanted });
  try {
    if (!streaming && received.size !== contentLength) {
      throw new S3Error('IncompleteBody');
    }
    if (hexPayload && received.sha256Hex !== payload) throw new S3Error('XAmzContentSHA256Mismatch');
    if (contentMd5 !== undefined && !Buffer.from(contentMd5, 'base64').equals(received.md5)) {
      throw new S3Error('BadDigest', 'The Content-MD5 you specified did not match what we received.');
    }
    if (decoder) {
      for (const [name, value] of decoder.trailers)
        expected.set(name.replace(/^x-amz-checksum-/, '') as ChecksumAlgorithm, value);
    }
    for (const [alg, value] of expected) {
      if (received.checksums[alg] !== value) {
        throw new S3Error(
          'BadDigest',
          `The ${NAMES[alg]} you specified did not match the calculated checksum.`,
        );
      }
    }
  } catch (err) {
    await unlink(received.tempPath).catch(() => undefined);
    throw err;
  }
  return { ...received, requested };
}

export function checksumHeaders(checksums: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(checksums).map(([alg, value]) => [`x-amz-checksum-${alg}`, value]),
  );
}
