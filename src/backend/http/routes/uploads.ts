/**
 * Upload URLs and the media API (docs/uploads.md). A user issues and sees uploads of the devices paired
 * to them NOW (the device's current owner sees its whole history; a previous owner no longer does); the
 * operator sees every device's. Anything else is NOT_FOUND, like an unknown id, so existence does not
 * leak. Deleted uploads are invisible.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { assertDeviceId, THING_NAME_MAX_LENGTH } from '../../../contracts/device-id.js';
import { UPLOAD_ID_PATTERN } from '../../../contracts/upload-notification.js';
import { CamlinkError } from '../../../errors/camlink-error.js';
import type { Principal } from '../../auth/principal.js';
import type { Upload } from '../../store/types.js';
import { decodeCursor, encodeCursor } from '../../uploads/cursor.js';
import { issueUpload } from '../../uploads/issue.js';
import { hasThumbnail, thumbnailKey } from '../../uploads/thumbnails.js';
import { bearerSecurity, principalOf } from '../auth.js';
import type { BackendDeps } from '../deps.js';
import { zodSchema } from '../validation.js';
import { uploadView, type UploadView } from '../views.js';

const issueBody = z.strictObject({
  /** A bare type/subtype from backend.uploads.contentTypes, e.g. image/jpeg. */
  contentType: z.string().min(1).max(255),
  /** Exact byte count the uploader will send; the store refuses another length. */
  size: z.number().int().min(1).optional(),
  /** Hex SHA-256 of the bytes; with the S3 presigner the store refuses other bytes. */
  sha256: z
    .string()
    .regex(/^[0-9a-fA-F]{64}$/, 'must be 64 hex digits')
    .optional(),
});
const deviceParams = z.strictObject({ id: z.string().min(1).max(THING_NAME_MAX_LENGTH) });
const uploadParams = z.strictObject({ uploadId: z.string().regex(UPLOAD_ID_PATTERN, 'not an upload id') });
const listQuery = z.strictObject({
  status: z.enum(['pending', 'done', 'rejected']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  /** `next` of the previous page. */
  cursor: z.string().min(1).max(512).optional(),
});

export function uploadRoutes(app: FastifyInstance, deps: BackendDeps): void {
  const { store, services, clock } = deps;
  const limits = deps.config.backend.uploads;

  /** The device's current owner when the caller may act on the device; NOT_FOUND otherwise. */
  async function visibleDevice(
    principal: Principal,
    deviceId: string,
  ): Promise<{ owner: string | undefined }> {
    assertDeviceId(deviceId);
    const owner = await store.findDeviceOwner(deviceId);
    const visible =
      principal.kind === 'operator'
        ? (await store.findDevice(deviceId)) !== undefined
        : owner?.userId === principal.userId;
    if (!visible) throw new CamlinkError('NOT_FOUND', `no device ${deviceId}`);
    return { owner: owner?.userId };
  }

  async function visibleUpload(principal: Principal, uploadId: string): Promise<Upload> {
    const upload = await store.findUpload(uploadId);
    const visible =
      upload !== undefined &&
      upload.deletedAt === undefined &&
      (principal.kind === 'operator' ||
        (await store.findDeviceOwner(upload.deviceId))?.userId === principal.userId);
    if (!visible) throw new CamlinkError('NOT_FOUND', `no upload ${uploadId}`);
    return upload;
  }

  async function view(upload: Upload): Promise<UploadView> {
    const get =
      upload.status === 'done'
        ? await services.presigner.presign({
            method: 'GET',
            bucket: upload.bucket,
            key: upload.key,
            expiresInSeconds: limits.getUrlTtlSeconds,
          })
        : undefined;
    const thumbnail =
      upload.status === 'done' && hasThumbnail(upload.contentType, deps.config.backend.thumbnails)
        ? await services.presigner.presign({
            method: 'GET',
            bucket: upload.bucket,
            key: thumbnailKey(upload.key),
            expiresInSeconds: limits.getUrlTtlSeconds,
          })
        : undefined;
    return uploadView(upload, services.objects.objectUrl(upload.bucket, upload.key), get, thumbnail);
  }

  app.post(
    '/devices/:id/uploads',
    {
      schema: {
        summary: 'Issue a pre-signed PUT URL for one object of an own device (the operator: any device).',
        tags: ['uploads'],
        security: bearerSecurity,
        params: zodSchema(deviceParams),
        body: zodSchema(issueBody),
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const { id } = request.params as z.infer<typeof deviceParams>;
      const body = request.body as z.infer<typeof issueBody>;
      const { owner } = await visibleDevice(principal, id);
      const { upload, put } = await issueUpload(deps, {
        deviceId: id,
        userId: owner,
        requestedBy: 'app',
        contentType: body.contentType,
        size: body.size,
        sha256: body.sha256,
      });
      return reply.code(201).send({
        uploadId: upload.uploadId,
        deviceId: upload.deviceId,
        bucket: upload.bucket,
        key: upload.key,
        url: services.objects.objectUrl(upload.bucket, upload.key),
        put: {
          url: put.url,
          method: put.method,
          headers: put.headers,
          expiresAt: put.expiresAt.toISOString(),
        },
      });
    },
  );

  app.get(
    '/devices/:id/uploads',
    {
      schema: {
        summary:
          "A device's uploads, newest first, without deleted ones; done ones carry a short-lived GET URL.",
        tags: ['uploads'],
        security: bearerSecurity,
        params: zodSchema(deviceParams),
        querystring: zodSchema(listQuery),
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params as z.infer<typeof deviceParams>;
      const query = request.query as z.infer<typeof listQuery>;
      const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
      await visibleDevice(principal, id);
      const page = await store.listDeviceUploads(id, {
        limit: query.limit,
        ...(query.status === undefined ? {} : { statuses: [query.status] }),
        ...(before === undefined ? {} : { before }),
      });
      return {
        uploads: await Promise.all(page.uploads.map(view)),
        next: page.next === undefined ? null : encodeCursor(page.next),
      };
    },
  );

  app.get(
    '/uploads/:uploadId',
    {
      schema: {
        summary: 'One upload of an own device (the operator: any).',
        tags: ['uploads'],
        security: bearerSecurity,
        params: zodSchema(uploadParams),
      },
    },
    async (request) => {
      const { uploadId } = request.params as z.infer<typeof uploadParams>;
      return { upload: await view(await visibleUpload(principalOf(request), uploadId)) };
    },
  );

  app.delete(
    '/uploads/:uploadId',
    {
      schema: {
        summary: 'Delete the object, then hide the upload (204).',
        tags: ['uploads'],
        security: bearerSecurity,
        params: zodSchema(uploadParams),
      },
    },
    async (request, reply) => {
      const { uploadId } = request.params as z.infer<typeof uploadParams>;
      const upload = await visibleUpload(principalOf(request), uploadId);
      const now = clock.now().getTime();
      if (upload.status === 'pending' && now < upload.expiresAt) {
        // Its URL still works: an object could land after the delete with no visible row to remove it.
        throw new CamlinkError(
          'CONFLICT',
          `upload ${uploadId} is pending and its URL works until ${new Date(upload.expiresAt).toISOString()}; delete it after that`,
        );
      }
      // The object first: if that fails the row stays visible and the delete can be retried; hiding the
      // row first could leave an object nobody can see or delete any more.
      await services.objects.delete(upload.bucket, upload.key);
      if (hasThumbnail(upload.contentType, deps.config.backend.thumbnails)) {
        await services.objects.delete(upload.bucket, thumbnailKey(upload.key));
      }
      if (!(await store.markUploadDeleted(uploadId, now))) {
        throw new CamlinkError('NOT_FOUND', `no upload ${uploadId}`);
      }
      return reply.code(204).send();
    },
  );
}
