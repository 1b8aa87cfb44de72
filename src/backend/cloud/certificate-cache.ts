/**
 * A small bounded cache in front of DeviceDirectory.certificateStatus: device lists would otherwise cost
 * two IoT control-plane calls per device on every dashboard load (AWS throttles DescribeCertificate at
 * 10 TPS by default). Entries live `ttlMs` (a revocation shows within that time), at most `maxEntries`
 * are kept (oldest out first), concurrent lookups of one device share one request, failures are not
 * cached, and at most `concurrency` lookups run at once.
 */
import type { Clock } from '../../util/clock.js';
import type { CertificateStatus, DeviceDirectory } from './types.js';

export interface CertificateCacheOptions {
  readonly ttlMs: number;
  readonly maxEntries: number;
  readonly concurrency: number;
}

export const CERTIFICATE_CACHE_DEFAULTS: CertificateCacheOptions = {
  ttlMs: 60_000,
  maxEntries: 1_000,
  concurrency: 4,
};

interface Entry {
  readonly at: number;
  readonly value: Promise<CertificateStatus | null>;
}

export class CertificateStatusCache {
  private readonly entries = new Map<string, Entry>();
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly directory: Pick<DeviceDirectory, 'certificateStatus'>,
    private readonly clock: Clock,
    private readonly options: CertificateCacheOptions = CERTIFICATE_CACHE_DEFAULTS,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  lookup(deviceId: string, certificateId: string | undefined): Promise<CertificateStatus | null> {
    const key = `${deviceId}\n${certificateId ?? ''}`;
    const now = this.clock.now().getTime();
    const hit = this.entries.get(key);
    if (hit !== undefined && now - hit.at < this.options.ttlMs) return hit.value;
    this.entries.delete(key);
    const value = this.limited(() => this.directory.certificateStatus(deviceId, certificateId));
    this.entries.set(key, { at: now, value });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    value.catch(() => {
      if (this.entries.get(key)?.value === value) this.entries.delete(key);
    });
    return value;
  }

  private async limited<T>(fn: () => Promise<T>): Promise<T> {
    while (this.running >= this.options.concurrency) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running++;
    try {
      return await fn();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}
