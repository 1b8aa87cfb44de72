/**
 * One listener for the whole Kinesis Video surface, as GetDataEndpoint points back at it: PutMedia
 * (streamed ingest), the archived-media operations (ListFragments, GetHLSStreamingSessionURL, GetClip:
 * SigV4 over a JSON body), the HLS session URLs (token only), and everything else to the control plane.
 * Every SigV4 caller is authorized per action and stream ARN (temporary credentials: the camera role).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CredentialRecord } from '../auth/credentials.js';
import type { ServiceAction } from '../iot/policy/evaluate.js';
import type { Logger } from '../log/logger.js';
import { jsonObjectOf, readSignedBody, type KvsAuthOptions } from './auth.js';
import { KvsError, invalidArgument } from './errors.js';
import { serveHls } from './archive/hls.js';
import {
  archiveOperationByPath,
  archiveStream,
  getClip,
  getHlsStreamingSessionUrl,
  listFragments,
  type ArchiveContext,
} from './archive/operations.js';
import { handlePutMedia, type IngestState, type PutMediaOptions } from './ingest/put-media.js';
import { sendJson, sendKvsError } from './respond.js';

export type VideoActionAuthorizer = (
  credential: CredentialRecord,
  action: ServiceAction,
  streamArn: string,
) => boolean;

export interface DataPlaneOptions extends KvsAuthOptions {
  readonly archive: ArchiveContext;
  readonly ingest: IngestState;
  readonly idleTimeoutMs: number;
  readonly maxRequestBytes: number;
  readonly authorize: VideoActionAuthorizer;
  readonly logger?: Logger;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export function createDataPlaneRouter(controlPlane: Handler, options: DataPlaneOptions): Handler {
  const putMedia: PutMediaOptions = {
    ...options,
    store: options.archive.store,
    authorize: (credential, arn) => options.authorize(credential, 'kinesisvideo:PutMedia', arn),
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const requestId = randomUUID();
    const fail = (err: unknown) => sendKvsError(res, requestId, err, options.logger);
    if (path === '/putMedia' && req.method === 'POST') {
      handlePutMedia(req, res, putMedia, options.ingest).catch(fail);
    } else if (path.startsWith('/hls/v1/')) {
      // The session token is the only credential, so any page may play the URL (a browser player on
      // the dashboard's origin, as with KVS): simple GETs, no preflight needed.
      res.setHeader('access-control-allow-origin', '*');
      serveHls(req, res, options.archive).catch(fail);
    } else if (archiveOperationByPath.has(path) && req.method === 'POST') {
      archived(req, res, options, requestId).catch(fail);
    } else {
      controlPlane(req, res);
    }
  };
}

async function archived(
  req: IncomingMessage,
  res: ServerResponse,
  options: DataPlaneOptions,
  requestId: string,
): Promise<void> {
  const { credential, body } = await readSignedBody(req, options);
  const json = jsonObjectOf(body);
  const operation = archiveOperationByPath.get((req.url ?? '/').split('?')[0] ?? '/');
  if (operation === undefined) throw invalidArgument('Bad request.');
  const stream = archiveStream(options.archive.store, json);
  if (!options.authorize(credential, `kinesisvideo:${operation}`, stream.arn)) {
    throw new KvsError('NotAuthorizedException', `The caller may not ${operation} on ${stream.name}.`);
  }
  switch (operation) {
    case 'ListFragments':
      return sendJson(res, 200, requestId, listFragments(options.archive, json));
    case 'GetHLSStreamingSessionURL':
      return sendJson(res, 200, requestId, await getHlsStreamingSessionUrl(options.archive, json));
    case 'GetClip': {
      const mp4 = await getClip(options.archive, json);
      res.writeHead(200, {
        'content-type': 'video/mp4',
        'content-length': mp4.length,
        'x-amzn-requestid': requestId,
      });
      res.end(mp4);
    }
  }
}
