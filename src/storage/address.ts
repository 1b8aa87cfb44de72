/**
 * Bucket and key from a request (S3 User Guide "Virtual hosting of buckets"): virtual-host style when
 * the Host is "<bucket>.<domain>" for a configured domain (e.g. "photos.localhost",
 * "examplebucket-1250000000.cos.ap-shanghai.myqcloud.com"), path style ("/<bucket>/<key>") otherwise.
 */
import { S3Error } from './s3-errors.js';

export interface Address {
  bucket: string | undefined;
  /** Decoded key; undefined for service and bucket requests. */
  key: string | undefined;
  virtualHost: boolean;
}

function strictDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new S3Error(
      'InvalidURI',
      "Couldn't parse the specified URI: it is not valid percent-encoded UTF-8.",
    );
  }
}

export function hostName(host: string | undefined): string {
  if (host === undefined) return '';
  const trimmed = host.trim().toLowerCase();
  if (trimmed.startsWith('[')) return trimmed.slice(0, trimmed.indexOf(']') + 1);
  const colon = trimmed.lastIndexOf(':');
  return colon >= 0 ? trimmed.slice(0, colon) : trimmed;
}

export function resolveAddress(
  host: string | undefined,
  rawPath: string,
  domains: readonly string[],
): Address {
  if (!rawPath.startsWith('/')) throw new S3Error('InvalidURI');
  const name = hostName(host);
  const domain = domains.find((d) => name.endsWith(`.${d.toLowerCase()}`));
  if (domain !== undefined) {
    const bucket = name.slice(0, name.length - domain.length - 1);
    const rest = rawPath.slice(1);
    return { bucket, key: rest === '' ? undefined : strictDecode(rest), virtualHost: true };
  }
  const slash = rawPath.indexOf('/', 1);
  if (rawPath === '/') return { bucket: undefined, key: undefined, virtualHost: false };
  if (slash < 0) return { bucket: strictDecode(rawPath.slice(1)), key: undefined, virtualHost: false };
  const rest = rawPath.slice(slash + 1);
  return {
    bucket: strictDecode(rawPath.slice(1, slash)),
    key: rest === '' ? undefined : strictDecode(rest),
    virtualHost: false,
  };
}
