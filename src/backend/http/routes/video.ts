/**
 * Video of a camera (docs/video.md, docs/api.md): its Kinesis video stream, created when the camera is
 * provisioned (or by the operator here), and HLS session URLs for whoever may see the camera (its
 * current owner, the operator). Anyone else gets NOT_FOUND, as for an unknown device.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertDeviceId, THING_NAME_MAX_LENGTH } from '../../../contracts/device-id.js';
import { CamlinkError } from '../../../errors/camlink-error.js';
import { requireOperator, type Principal } from '../../auth/principal.js';
import type { VideoStreams } from '../../cloud/video.js';
import { bearerSecurity, principalOf } from '../auth.js';
import type { BackendDeps } from '../deps.js';
import { zodSchema } from '../validation.js';

const deviceParams = z.strictObject({ id: z.string().min(1).max(THING_NAME_MAX_LENGTH) });
const hlsQuery = z
  .strictObject({
    mode: z.enum(['LIVE', 'ON_DEMAND']).default('LIVE'),
    /** ON_DEMAND: ISO 8601 times of the range (producer time). */
    start: z.iso.datetime({ offset: true }).optional(),
    end: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((q) => q.mode === 'LIVE' || (q.start !== undefined && q.end !== undefined), {
    message: 'ON_DEMAND needs start and end',
  })
  .refine((q) => q.mode === 'ON_DEMAND' || (q.start === undefined && q.end === undefined), {
    message: 'LIVE takes no start or end',
  });

export function videoRoutes(app: FastifyInstance, deps: BackendDeps): void {
  const video = (): VideoStreams => {
    const v = deps.services.video;
    if (v === undefined) throw new CamlinkError('VIDEO_NOT_AVAILABLE', 'video is disabled (backend.video)');
    return v;
  };

  async function visible(principal: Principal, deviceId: string): Promise<void> {
    assertDeviceId(deviceId);
    const ok =
      principal.kind === 'operator'
        ? (await deps.store.findDevice(deviceId)) !== undefined
        : (await deps.store.findDeviceOwner(deviceId))?.userId === principal.userId;
    if (!ok) throw new CamlinkError('NOT_FOUND', `no device ${deviceId}`);
  }

  app.post(
    '/devices/:id/video/stream',
    {
      schema: {
        summary: "Create the camera's video stream unless it exists (operator); provisioning does this too.",
        tags: ['video'],
        security: bearerSecurity,
        params: zodSchema(deviceParams),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      requireOperator(principal);
      const { id } = request.params as z.infer<typeof deviceParams>;
      await visible(principal, id);
      return { stream: await video().ensureStream(id) };
    },
  );

  app.get(
    '/devices/:id/video/hls',
    {
      schema: {
        summary: "An HLS session URL for the camera's video: LIVE, or ON_DEMAND for a time range.",
        tags: ['video'],
        security: bearerSecurity,
        params: zodSchema(deviceParams),
        querystring: zodSchema(hlsQuery),
      },
    },
    async (request) => {
      const { id } = request.params as z.infer<typeof deviceParams>;
      const query = request.query as z.infer<typeof hlsQuery>;
      await visible(principalOf(request), id);
      const session = await video().hlsUrl(id, {
        mode: query.mode,
        ...(query.start === undefined ? {} : { start: new Date(query.start) }),
        ...(query.end === undefined ? {} : { end: new Date(query.end) }),
      });
      return { hls: { ...session, mode: query.mode, deviceId: id } };
    },
  );
}
