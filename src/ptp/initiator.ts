/**
 * A PTP/IP initiator (the phone app's side of CIPA DC-005): opens the command and event connections,
 * runs one transaction at a time (request, optional data-out, data-in collected, response) and
 * delivers events. Used by `camlink app` and the tests; libgphoto2 is the other initiator we test with.
 */
import { EventEmitter, once } from 'node:events';
import { randomBytes } from 'node:crypto';
import net, { type Socket } from 'node:net';
import { DataPhase, OperationCode, PTPIP_VERSION, ResponseCode } from './codes.js';
import { PtpCodecError } from './errors.js';
import { PacketFramer } from './framer.js';
import { encodePacket, type Packet } from './packets.js';

export interface TransactionResult {
  readonly code: number;
  readonly params: readonly number[];
  readonly data: Buffer;
}

export interface PtpEvent {
  readonly code: number;
  readonly params: readonly number[];
}

export class PtpError extends Error {
  constructor(
    readonly responseCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'PtpError';
  }
}

/** Data-out phases go in Data packets of 64 KiB, as libgphoto2 sends them. */
const DATA_OUT_CHUNK = 65_536;

class Channel {
  private readonly framer = new PacketFramer();
  private readonly queue: Packet[] = [];
  private waiter: ((p: Packet) => void) | undefined;
  private failure: Error | undefined;
  private failed: ((e: Error) => void) | undefined;

  constructor(
    readonly socket: Socket,
    onPacket?: (p: Packet) => boolean,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const p of this.framer.push(chunk)) {
          if (onPacket?.(p)) continue;
          if (this.waiter) {
            const w = this.waiter;
            this.waiter = undefined;
            w(p);
          } else this.queue.push(p);
        }
      } catch (err) {
        this.fail(err instanceof Error ? err : new Error(String(err)));
      }
    });
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.fail(new Error('the camera closed the connection')));
  }

  private fail(err: Error): void {
    this.failure ??= err;
    this.failed?.(err);
    this.socket.destroy();
  }

  next(): Promise<Packet> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failed = reject;
    });
  }
}

export class PtpIpInitiator extends EventEmitter<{ event: [PtpEvent] }> {
  private tid = 0;
  private busy: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly command: Channel,
    private readonly events: Channel,
    readonly cameraName: string,
  ) {
    super();
  }

  static async connect(
    host: string,
    port: number,
    options: { friendlyName?: string; guid?: Buffer } = {},
  ): Promise<PtpIpInitiator> {
    const cmdSocket = net.connect({ host, port });
    await once(cmdSocket, 'connect');
    const command = new Channel(cmdSocket);
    cmdSocket.write(
      encodePacket({
        type: 'InitCommandRequest',
        guid: options.guid ?? randomBytes(16),
        friendlyName: options.friendlyName ?? 'camlink app',
        protocolVersion: PTPIP_VERSION,
      }),
    );
    const ack = await command.next();
    if (ack.type === 'InitFail') {
      cmdSocket.destroy();
      throw new PtpError(
        ResponseCode.DeviceBusy,
        `the camera refused the connection (Init Fail, reason ${ack.reason})`,
      );
    }
    if (ack.type !== 'InitCommandAck')
      throw new PtpCodecError('PTP_UNKNOWN_PACKET', `expected Init Command Ack, got ${ack.type}`);
    const evSocket = net.connect({ host, port });
    await once(evSocket, 'connect');
    const holder: { self?: PtpIpInitiator } = {};
    const events = new Channel(evSocket, (p) => {
      if (p.type !== 'Event') return false;
      holder.self?.emit('event', { code: p.code, params: p.params });
      return true;
    });
    evSocket.write(encodePacket({ type: 'InitEventRequest', connectionNumber: ack.connectionNumber }));
    const evAck = await events.next();
    if (evAck.type !== 'InitEventAck')
      throw new PtpCodecError('PTP_UNKNOWN_PACKET', `expected Init Event Ack, got ${evAck.type}`);
    holder.self = new PtpIpInitiator(command, events, ack.friendlyName);
    return holder.self;
  }

  /** OpenSession with transaction id 0, as libgphoto2 does. */
  async openSession(sessionId = 1): Promise<void> {
    this.tid = 0;
    await this.transaction(OperationCode.OpenSession, [sessionId]);
  }

  /** Runs one transaction; a response other than OK rejects with PtpError. */
  transaction(code: number, params: readonly number[] = [], dataOut?: Buffer): Promise<TransactionResult> {
    const run = this.busy.then(() => this.run(code, params, dataOut));
    this.busy = run.catch(() => undefined);
    return run;
  }

  private async run(
    code: number,
    params: readonly number[],
    dataOut: Buffer | undefined,
  ): Promise<TransactionResult> {
    const transactionId = this.tid++;
    const frames = [
      encodePacket({
        type: 'OperationRequest',
        dataPhase: dataOut === undefined ? DataPhase.NoDataOrIn : DataPhase.Out,
        code,
        transactionId,
        params: [...params],
      }),
    ];
    if (dataOut !== undefined) {
      frames.push(encodePacket({ type: 'StartData', transactionId, totalLength: dataOut.length }));
      let at = 0;
      while (dataOut.length - at > DATA_OUT_CHUNK) {
        frames.push(
          encodePacket({ type: 'Data', transactionId, data: dataOut.subarray(at, at + DATA_OUT_CHUNK) }),
        );
        at += DATA_OUT_CHUNK;
      }
      frames.push(encodePacket({ type: 'EndData', transactionId, data: dataOut.subarray(at) }));
    }
    this.command.socket.write(Buffer.concat(frames));
    const data: Buffer[] = [];
    for (;;) {
      const p = await this.command.next();
      if ((p.type === 'Data' || p.type === 'EndData') && p.transactionId === transactionId) data.push(p.data);
      else if (p.type === 'StartData' && p.transactionId === transactionId) continue;
      else if (p.type === 'OperationResponse' && p.transactionId === transactionId) {
        if (p.code !== ResponseCode.OK) {
          throw new PtpError(p.code, `operation 0x${code.toString(16)} answered 0x${p.code.toString(16)}`);
        }
        return { code: p.code, params: p.params, data: Buffer.concat(data) };
      } else
        throw new PtpCodecError('PTP_UNKNOWN_PACKET', `unexpected ${p.type} in transaction ${transactionId}`);
    }
  }

  /** Resolves with the next event of `code`. */
  nextEvent(code: number): Promise<PtpEvent> {
    return new Promise((resolve) => {
      const on = (e: PtpEvent) => {
        if (e.code !== code) return;
        this.off('event', on);
        resolve(e);
      };
      this.on('event', on);
    });
  }

  close(): void {
    this.command.socket.destroy();
    this.events.socket.destroy();
  }
}
