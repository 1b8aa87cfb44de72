/** What the registry's parts share: the database, the ARN scope, the clock and change notifications. */
import type { EventEmitter } from 'node:events';
import type { ArnScope } from '../policy/arn.js';
import type { Clock } from '../../util/clock.js';
import type { Db } from './db.js';

export type CertificateStatus =
  'ACTIVE' | 'INACTIVE' | 'REVOKED' | 'PENDING_TRANSFER' | 'REGISTER_INACTIVE' | 'PENDING_ACTIVATION';
export type CaStatus = 'ACTIVE' | 'INACTIVE';
export type CertificateMode = 'DEFAULT' | 'SNI_ONLY';

export interface RegistryEvents {
  /** A device certificate changed status (the endpoint closes sessions that lost ACTIVE). */
  'certificate-status': [certificateId: string, status: CertificateStatus];
  /** A CA was registered or changed (the endpoint reloads its trust list). */
  'ca-changed': [caCertificateId: string];
  /** A topic rule was created, replaced, enabled, disabled or deleted (the engine reloads its rules). */
  'rules-changed': [ruleName: string];
}

export interface RegistryContext {
  readonly db: Db;
  readonly scope: ArnScope;
  readonly clock: Clock;
  readonly events: EventEmitter<RegistryEvents>;
}

export function arnOf(
  ctx: RegistryContext,
  type: 'cert' | 'cacert' | 'thing' | 'policy' | 'rolealias' | 'rule',
  id: string,
): string {
  return `arn:${ctx.scope.partition}:iot:${ctx.scope.region}:${ctx.scope.account}:${type}/${id}`;
}

/** Seconds since the epoch, as restJson1 timestamps travel. */
export function epochSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}
