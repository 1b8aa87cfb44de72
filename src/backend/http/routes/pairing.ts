/**
 * Pairing routes (docs/pairing.md): POST /pairing/challenges and POST /pairing for users, and
 * DELETE /devices/{id}/pairing for the device's user or the operator. The logic is in
 * src/backend/pairing/; this module validates, authorizes and shapes responses.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertDeviceId, THING_NAME_MAX_LENGTH } from '../../../contracts/device-id.js';
import { PAIRING_TOKEN_PATTERN } from '../../../contracts/pairing.js';
import { CamlinkError } from '../../../errors/camlink-error.js';
import type { Principal } from '../../auth/principal.js';
import { issueChallenge, pair, unpair } from '../../pairing/service.js';
import { decodeSignature, SIGNATURE_BASE64_MAX_LENGTH } from '../../pairing/verify.js';
import { bearerSecurity, principalOf } from '../auth.js';
import type { BackendDeps } from '../deps.js';
import { zodSchema } from '../validation.js';
import { deviceView } from '../views.js';

const deviceId = z.string().min(1).max(THING_NAME_MAX_LENGTH);
const challengeBody = z.strictObject({ deviceId });
const pairBody = z.strictObject({
  challengeId: z
    .string()
    .regex(PAIRING_TOKEN_PATTERN, 'must be a challenge id (base64url, 16-64 characters)'),
  /** Standard padded base64 of a DER ECDSA P-256/SHA-256 or RSA PKCS#1 v1.5/SHA-256 signature. */
  signature: z
    .string()
    .min(1)
    .max(SIGNATURE_BASE64_MAX_LENGTH)
    .refine((text) => decodeSignature(text) !== undefined, 'must be standard base64 with padding'),
});
const deviceParams = z.strictObject({ id: deviceId });

function requireUser(principal: Principal): string {
  if (principal.kind !== 'user') {
    throw new CamlinkError('FORBIDDEN', 'pairing binds a device to a user; use a user token');
  }
  return principal.userId;
}

export function pairingRoutes(app: FastifyInstance, deps: BackendDeps): void {
  app.post(
    '/pairing/challenges',
    {
      schema: {
        summary: 'Ask for a one-time pairing challenge for a device (user); the camera signs signingInput.',
        tags: ['pairing'],
        security: bearerSecurity,
        body: zodSchema(challengeBody),
      },
    },
    async (request, reply) => {
      const userId = requireUser(principalOf(request));
      const body = request.body as z.infer<typeof challengeBody>;
      assertDeviceId(body.deviceId);
      const { challenge, signingInput } = await issueChallenge(deps, userId, body.deviceId);
      return reply.code(201).send({
        challengeId: challenge.id,
        nonce: challenge.nonce,
        deviceId: body.deviceId,
        expiresAt: new Date(challenge.expiresAt).toISOString(),
        signingInput: signingInput.toString('base64'),
      });
    },
  );

  app.post(
    '/pairing',
    {
      schema: {
        summary: "Answer a pairing challenge with the device key's signature (user); links the device.",
        tags: ['pairing'],
        security: bearerSecurity,
        body: zodSchema(pairBody),
      },
    },
    async (request) => {
      const userId = requireUser(principalOf(request));
      const body = request.body as z.infer<typeof pairBody>;
      const signature = decodeSignature(body.signature);
      if (signature === undefined) throw new CamlinkError('VALIDATION_FAILED', 'body.signature: not base64');
      const paired = await pair(deps, userId, body.challengeId, signature);
      return { device: deviceView(paired.device), pairedAt: new Date(paired.pairedAt).toISOString() };
    },
  );

  app.delete(
    '/devices/:id/pairing',
    {
      schema: {
        summary: 'Unpair a device: the user their own, the operator any. Others are NOT_FOUND.',
        tags: ['pairing'],
        security: bearerSecurity,
        params: zodSchema(deviceParams),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params as z.infer<typeof deviceParams>;
      assertDeviceId(id);
      if (!(await unpair(deps, principal, id))) {
        throw new CamlinkError('NOT_FOUND', `no paired device ${id}`);
      }
      return reply.code(204).send();
    },
  );
}
