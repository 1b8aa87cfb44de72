/**
 * Pairing with proof of possession (docs/architecture.md flow 3; docs/pairing.md). A user asks for a
 * one-time challenge bound to them and to one device; the camera signs the contract's signing input
 * with its device key; the backend verifies it against the device's ACTIVE certificates in the IoT
 * registry, spends the challenge and links user and device. Every refusal is a coded CamlinkError.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import { pairingSigningInput } from '../../contracts/pairing.js';
import { systemRandom } from '../../util/clock.js';
import { newId } from '../auth/tokens.js';
import type { BackendDeps } from '../http/deps.js';
import type { ConsumeResult, Device, PairingChallenge } from '../store/types.js';
import { findSigningCertificate } from './verify.js';

/** Open (unused, unexpired) challenges a user may hold at once. */
export const MAX_OPEN_CHALLENGES_PER_USER = 20;
/** 32 random bytes: 43 base64url characters. */
const NONCE_BYTES = 32;

export interface IssuedChallenge {
  readonly challenge: PairingChallenge;
  /** The exact bytes the camera signs. */
  readonly signingInput: Buffer;
}

export async function issueChallenge(
  deps: BackendDeps,
  userId: string,
  deviceId: string,
): Promise<IssuedChallenge> {
  const device = await deps.store.findDevice(deviceId);
  const owner = device === undefined ? undefined : await deps.store.findDeviceOwner(deviceId);
  // Another user's device answers exactly like an unknown one: existence does not leak.
  if (device === undefined || (owner !== undefined && owner.userId !== userId)) {
    throw new CamlinkError('NOT_FOUND', `no device ${deviceId}`);
  }
  if (owner !== undefined) {
    throw new CamlinkError('CONFLICT', `device ${deviceId} is already paired to you`);
  }
  const now = deps.clock.now().getTime();
  const open = await deps.store.countOpenPairingChallenges(userId, now);
  if (open >= MAX_OPEN_CHALLENGES_PER_USER) {
    throw new CamlinkError(
      'PAIRING_TOO_MANY_CHALLENGES',
      `${open} pairing challenges are open (limit ${MAX_OPEN_CHALLENGES_PER_USER}); answer one or wait until they expire`,
    );
  }
  const random = deps.random ?? systemRandom;
  const challenge: PairingChallenge = {
    id: newId('pch', random),
    userId,
    deviceId,
    nonce: Buffer.from(random(NONCE_BYTES)).toString('base64url'),
    expiresAt: now + deps.config.backend.pairing.challengeTtlSeconds * 1000,
    usedAt: undefined,
  };
  await deps.store.createPairingChallenge(challenge);
  return {
    challenge,
    signingInput: pairingSigningInput({ deviceId, challengeId: challenge.id, nonce: challenge.nonce }),
  };
}

export interface Paired {
  readonly device: Device;
  readonly pairedAt: number;
}

export async function pair(
  deps: BackendDeps,
  userId: string,
  challengeId: string,
  signature: Buffer,
): Promise<Paired> {
  const challenge = await deps.store.findPairingChallenge(challengeId);
  // Someone else's challenge answers like an unknown one.
  if (challenge === undefined || challenge.userId !== userId || challenge.deviceId === undefined) {
    throw new CamlinkError('NOT_FOUND', 'no such pairing challenge');
  }
  const deviceId = challenge.deviceId;
  const now = deps.clock.now().getTime();
  // Same precedence as the store's consume: a spent challenge is "used" even once it has expired.
  if (challenge.usedAt !== undefined) refuseSpent('already-used');
  if (now >= challenge.expiresAt) refuseSpent('expired');
  const device = await deps.store.findDevice(deviceId);
  if (device === undefined) throw new CamlinkError('NOT_FOUND', `no device ${deviceId}`);

  const certificates = await deps.services.devices.activeCertificates(deviceId, device.certificateId);
  if (certificates.length === 0) {
    // No attempt was possible, so the challenge stays open for when the device has a certificate.
    throw new CamlinkError(
      'DEVICE_NO_CERTIFICATE',
      `device ${deviceId} has no ACTIVE certificate attached to its thing`,
    );
  }
  const input = pairingSigningInput({ deviceId, challengeId: challenge.id, nonce: challenge.nonce });
  const signer = findSigningCertificate(input, signature, certificates);
  // Spent whether or not the signature verifies: one challenge, one guess.
  const consumed = await deps.store.consumePairingChallenge(challenge.id, now);
  if (signer === undefined) {
    throw new CamlinkError(
      'PAIRING_SIGNATURE_INVALID',
      `the signature does not verify with the certificate of device ${deviceId}; the challenge is spent`,
    );
  }
  if (consumed !== 'consumed') refuseSpent(consumed);

  const linked = await deps.store.linkUserDevice(userId, deviceId, now);
  switch (linked) {
    case 'linked':
      return { device, pairedAt: now };
    case 'already-linked': {
      // A concurrent pairing of the same user won; answer with the pairing that stands.
      const owner = await deps.store.findDeviceOwner(deviceId);
      return { device, pairedAt: owner?.pairedAt ?? now };
    }
    case 'owned-by-other':
      throw new CamlinkError('DEVICE_ALREADY_PAIRED', `device ${deviceId} is paired to another user`);
    case 'no-such-device':
      throw new CamlinkError('NOT_FOUND', `no device ${deviceId}`);
    case 'no-such-user':
      throw new CamlinkError('AUTH_INVALID', 'the token belongs to no user');
  }
}

function refuseSpent(result: Exclude<ConsumeResult, 'consumed'>): never {
  switch (result) {
    case 'already-used':
      throw new CamlinkError('PAIRING_CHALLENGE_USED', 'this pairing challenge was already answered');
    case 'expired':
      throw new CamlinkError(
        'PAIRING_CHALLENGE_EXPIRED',
        'this pairing challenge has expired; ask for a new one',
      );
    case 'not-found':
      throw new CamlinkError('NOT_FOUND', 'no such pairing challenge');
  }
}

/**
 * Unpairs a device: a user their own (anything else is NOT_FOUND), the operator any paired device.
 * Returns false when there was nothing to unpair.
 */
export async function unpair(
  deps: BackendDeps,
  principal: { kind: 'operator' } | { kind: 'user'; userId: string },
  deviceId: string,
): Promise<boolean> {
  if (principal.kind === 'user') return deps.store.unlinkUserDevice(principal.userId, deviceId);
  const owner = await deps.store.findDeviceOwner(deviceId);
  return owner !== undefined && deps.store.unlinkUserDevice(owner.userId, deviceId);
}
