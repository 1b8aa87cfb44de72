/**
 * The phone app's link to a camera over PTP/IP (ISO 15740 + the camlink vendor operations of
 * docs/ptpip.md): identity, pairing by the camera's signature over the backend's challenge, capture,
 * and the upload hand-off (SetUploadTarget + UploadObject) with its progress events. What `camlink app`
 * and `camlink demo` drive; the backend side is BackendClient.
 */
import { CamlinkError } from '../errors/camlink-error.js';
import { EventCode, OperationCode } from '../ptp/codes.js';
import { decodeObjectInfo, decodeUint32Array, type ObjectInfo } from '../ptp/datasets.js';
import { PtpIpInitiator, type PtpEvent } from '../ptp/initiator.js';
import { UploadFailure } from '../device/ptp-camera.js';
import type { BackendClient, IssuedUpload } from './backend-client.js';

export const PTPIP_DEFAULT_PORT = 15740;

export interface CameraIdentity {
  readonly deviceId: string;
}

export interface UploadProgress {
  readonly sent: number;
  readonly total: number;
}

/** The camera's address as "HOST[:PORT]" (default port 15740); IPv6 as "[::1]:PORT". */
export function parseCameraAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m?.[1] ?? m?.[2];
  const port = m?.[3] === undefined ? PTPIP_DEFAULT_PORT : Number(m[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CamlinkError('CLI_USAGE', `--camera must be HOST or HOST:PORT (port 1-65535), got "${text}"`);
  }
  return { host, port };
}

export class CameraLink {
  private constructor(
    readonly ptp: PtpIpInitiator,
    readonly identity: CameraIdentity,
  ) {}

  get deviceId(): string {
    return this.identity.deviceId;
  }

  /** Connects (command + event channels), opens a session and reads the camera's identity. */
  static async connect(host: string, port: number, friendlyName = 'camlink app'): Promise<CameraLink> {
    let ptp: PtpIpInitiator;
    try {
      ptp = await PtpIpInitiator.connect(host, port, { friendlyName });
    } catch (err) {
      throw new CamlinkError('UPSTREAM_FAILED', `cannot reach the camera at ${host}:${port} over PTP/IP`, {
        cause: err,
      });
    }
    try {
      await ptp.openSession();
      const raw = (await ptp.transaction(OperationCode.CamlinkGetIdentity)).data.toString('utf8');
      const parsed = JSON.parse(raw) as { deviceId?: unknown };
      if (typeof parsed.deviceId !== 'string') {
        throw new CamlinkError('UPSTREAM_FAILED', 'the camera answered GetIdentity without a deviceId');
      }
      return new CameraLink(ptp, { deviceId: parsed.deviceId });
    } catch (err) {
      ptp.close();
      throw err;
    }
  }

  /** Pairs the backend user with this camera: the camera signs the backend's one-time challenge. */
  async pair(app: BackendClient): Promise<{ deviceId: string; pairedAt: string }> {
    const challenge = await app.createChallenge(this.deviceId);
    await this.ptp.transaction(
      OperationCode.CamlinkSignChallenge,
      [],
      Buffer.from(challenge.signingInput, 'base64'),
    );
    const signature = (await this.ptp.transaction(OperationCode.CamlinkGetSignature)).data;
    const paired = await app.pair(challenge.challengeId, signature);
    return { deviceId: paired.device.deviceId, pairedAt: paired.pairedAt };
  }

  /** InitiateCapture; resolves with the new object's handle (from ObjectAdded). */
  async capture(): Promise<number> {
    const added = this.ptp.nextEvent(EventCode.ObjectAdded);
    await this.ptp.transaction(OperationCode.InitiateCapture, [0, 0]);
    const handle = (await added).params[0];
    if (handle === undefined) throw new CamlinkError('UPSTREAM_FAILED', 'ObjectAdded without a handle');
    return handle;
  }

  async objectInfo(handle: number): Promise<ObjectInfo> {
    return decodeObjectInfo((await this.ptp.transaction(OperationCode.GetObjectInfo, [handle])).data);
  }

  async objectHandles(): Promise<number[]> {
    const data = (await this.ptp.transaction(OperationCode.GetObjectHandles, [0xffffffff, 0, 0])).data;
    return decodeUint32Array(data, 'object handles');
  }

  async getObject(handle: number): Promise<Buffer> {
    return (await this.ptp.transaction(OperationCode.GetObject, [handle])).data;
  }

  /**
   * Hands the pre-signed target to the camera and has it upload `handle`; resolves when the camera
   * reports UploadComplete, rejects with DEVICE_UPLOAD_FAILED on UploadFailed (reason in the message).
   */
  async upload(
    handle: number,
    target: IssuedUpload,
    onProgress?: (progress: UploadProgress) => void,
  ): Promise<void> {
    const mine = (e: PtpEvent) => e.params[0] === handle;
    const done = new Promise<void>((resolve, reject) => {
      const on = (e: PtpEvent) => {
        if (!mine(e)) return;
        if (e.code === EventCode.CamlinkUploadProgress) {
          onProgress?.({ sent: e.params[1] ?? 0, total: e.params[2] ?? 0 });
        } else if (e.code === EventCode.CamlinkUploadComplete) {
          this.ptp.off('event', on);
          resolve();
        } else if (e.code === EventCode.CamlinkUploadFailed) {
          this.ptp.off('event', on);
          const reason = e.params[1] ?? 0;
          reject(
            new CamlinkError(
              'DEVICE_UPLOAD_FAILED',
              `the camera reported UploadFailed for object ${handle}: ${failureName(reason)} (${reason})`,
            ),
          );
        }
      };
      this.ptp.on('event', on);
    });
    try {
      await this.ptp.transaction(
        OperationCode.CamlinkSetUploadTarget,
        [],
        Buffer.from(JSON.stringify(target)),
      );
      await this.ptp.transaction(OperationCode.CamlinkUploadObject, [handle]);
    } catch (err) {
      done.catch(() => undefined);
      throw err;
    }
    await done;
  }

  close(): void {
    this.ptp.close();
  }
}

function failureName(reason: number): string {
  const entry = Object.entries(UploadFailure).find(([, v]) => v === reason);
  return entry?.[0] ?? 'unknown';
}
