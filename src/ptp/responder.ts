/**
 * The PTP/IP responder (the camera's side of CIPA DC-005): a TCP listener where an initiator opens a
 * command connection (Init Command Request -> Ack) and an event connection (Init Event Request with
 * the connection number -> Ack), then runs transactions: Operation Request, an optional data phase
 * (Start Data, Data..., End Data) in either direction, Operation Response. Events go out on the event
 * connection. One initiator at a time (a second gets Init Fail "busy"), as cameras do.
 *
 * Behaviour that libgphoto2 relies on (docs/ptpip.md "Responder behaviour"): TCP_NODELAY and one write per
 * phase; a data-in operation that succeeds always has a data phase (possibly empty); a zero-length
 * data-out phase may come without End Data, so it is not waited for (a late End Data is ignored);
 * transaction ids are echoed. Malformed input closes the connection with the reason logged.
 */
import { randomBytes } from 'node:crypto';
import net, { type AddressInfo, type Socket } from 'node:net';
import type { Logger } from '../log/logger.js';
import { InitFailReason, PTPIP_VERSION, ResponseCode } from './codes.js';
import { PtpCodecError } from './errors.js';
import { DEFAULT_FRAMER_LIMITS, PacketFramer } from './framer.js';
import { encodePacket, type Packet } from './packets.js';

export interface OperationRequest {
  readonly code: number;
  readonly params: readonly number[];
  readonly transactionId: number;
  /** The data-out phase's bytes, for operations that take one. */
  readonly data: Buffer | undefined;
}

export interface OperationResult {
  readonly code: number;
  readonly params?: readonly number[];
  /** Data-in phase (camera -> initiator). */
  readonly data?: Buffer;
  /** Runs after the response is written (e.g. capture events must follow InitiateCapture's response). */
  readonly after?: () => void;
}

export interface PtpSession {
  /** Sends an event on the event connection (dropped when there is none). */
  sendEvent(code: number, params: readonly number[], transactionId?: number): void;
  readonly initiatorName: string;
  readonly initiatorGuid: Buffer;
}

export interface OperationHandler {
  /** Whether the operation has a data-out phase (the initiator's DataPhaseInfo cannot be trusted). */
  takesData(code: number): boolean;
  handle(request: OperationRequest, session: PtpSession): Promise<OperationResult>;
  /** The session ended (CloseSession or disconnect). */
  closed?(session: PtpSession): void;
}

export interface ResponderOptions {
  readonly host?: string;
  readonly port?: number;
  readonly friendlyName: string;
  readonly guid?: Buffer;
  readonly handler: OperationHandler;
  readonly logger: Logger;
  /** Largest data-out phase accepted (vendor payloads are small). */
  readonly maxDataOutBytes?: number;
}

export interface RunningResponder {
  readonly port: number;
  close(): Promise<void>;
}

/** Data-in phases are sent in Data packets of this size, then one End Data. */
const DATA_CHUNK = 1024 * 1024;

interface CommandChannel {
  readonly socket: Socket;
  readonly number: number;
  event: Socket | undefined;
  session: PtpSession;
}

export async function startPtpIpResponder(options: ResponderOptions): Promise<RunningResponder> {
  const { logger, handler } = options;
  const guid = options.guid ?? randomBytes(16);
  const maxDataOut = options.maxDataOutBytes ?? 1024 * 1024;
  let nextConnection = 1;
  let active: CommandChannel | undefined;
  const sockets = new Set<Socket>();

  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) => logger.debug({ err: err.message }, 'PTP/IP socket error'));
    const framer = new PacketFramer({
      maxDataPacketBytes: DEFAULT_FRAMER_LIMITS.maxDataPacketBytes,
      maxControlPacketBytes: DEFAULT_FRAMER_LIMITS.maxControlPacketBytes,
    });
    let role: 'unknown' | 'command' | 'event' = 'unknown';
    let channel: CommandChannel | undefined;
    // Transactions run one at a time, in arrival order.
    let queue: Packet[] = [];
    let running = false;
    let dataOut:
      | {
          tid: number;
          total: number;
          parts: Buffer[];
          got: number;
          request: Packet & { type: 'OperationRequest' };
        }
      | undefined;
    let ignoreEndData: number | undefined;

    const fail = (reason: string) => {
      logger.info({ reason, remote: socket.remoteAddress }, 'PTP/IP connection closed');
      socket.destroy();
    };

    const runOperation = async (request: Packet & { type: 'OperationRequest' }, data: Buffer | undefined) => {
      if (channel === undefined) return;
      let result: OperationResult;
      try {
        result = await handler.handle(
          { code: request.code, params: request.params, transactionId: request.transactionId, data },
          channel.session,
        );
      } catch (err) {
        logger.warn(
          { err: err instanceof Error ? err.message : String(err), op: request.code },
          'PTP operation failed',
        );
        result = { code: ResponseCode.GeneralError };
      }
      const tid = request.transactionId;
      const frames: Buffer[] = [];
      if (result.data !== undefined) {
        frames.push(encodePacket({ type: 'StartData', transactionId: tid, totalLength: result.data.length }));
        let at = 0;
        while (result.data.length - at > DATA_CHUNK) {
          frames.push(
            encodePacket({
              type: 'Data',
              transactionId: tid,
              data: result.data.subarray(at, at + DATA_CHUNK),
            }),
          );
          at += DATA_CHUNK;
        }
        frames.push(encodePacket({ type: 'EndData', transactionId: tid, data: result.data.subarray(at) }));
      }
      frames.push(
        encodePacket({
          type: 'OperationResponse',
          code: result.code,
          transactionId: tid,
          params: [...(result.params ?? [])],
        }),
      );
      if (!socket.destroyed) socket.write(Buffer.concat(frames));
      result.after?.();
    };

    const onPacket = async (packet: Packet): Promise<void> => {
      if (role === 'unknown') {
        if (packet.type === 'InitCommandRequest') {
          if (active !== undefined && !active.socket.destroyed) {
            socket.end(encodePacket({ type: 'InitFail', reason: InitFailReason.Busy }));
            logger.info({ initiator: packet.friendlyName }, 'PTP/IP initiator refused: busy with another');
            return;
          }
          role = 'command';
          const number = nextConnection++;
          const session: PtpSession = {
            initiatorName: packet.friendlyName,
            initiatorGuid: packet.guid,
            sendEvent: (code, params, transactionId = 0xffffffff) => {
              const event = channel?.event;
              if (event !== undefined && !event.destroyed) {
                event.write(encodePacket({ type: 'Event', code, transactionId, params: [...params] }));
              }
            },
          };
          channel = { socket, number, event: undefined, session };
          active = channel;
          socket.once('close', () => {
            channel?.event?.destroy();
            if (active === channel) active = undefined;
            if (channel) handler.closed?.(channel.session);
          });
          socket.write(
            encodePacket({
              type: 'InitCommandAck',
              connectionNumber: number,
              guid,
              friendlyName: options.friendlyName,
              protocolVersion: PTPIP_VERSION,
            }),
          );
          logger.info({ initiator: packet.friendlyName, connection: number }, 'PTP/IP initiator connected');
          return;
        }
        if (packet.type === 'InitEventRequest') {
          if (
            active === undefined ||
            active.number !== packet.connectionNumber ||
            active.event !== undefined
          ) {
            socket.end(encodePacket({ type: 'InitFail', reason: InitFailReason.RejectedInitiator }));
            return;
          }
          role = 'event';
          active.event = socket;
          socket.write(encodePacket({ type: 'InitEventAck' }));
          return;
        }
        return fail(`first packet was ${packet.type}, not an init request`);
      }
      if (role === 'event') {
        if (packet.type === 'ProbeRequest') socket.write(encodePacket({ type: 'ProbeResponse' }));
        return;
      }
      // Command connection.
      if (dataOut !== undefined) {
        if ((packet.type === 'Data' || packet.type === 'EndData') && packet.transactionId === dataOut.tid) {
          dataOut.parts.push(packet.data);
          dataOut.got += packet.data.length;
          if (dataOut.got > dataOut.total) return fail('data-out phase longer than announced');
          if (packet.type === 'EndData' || dataOut.got === dataOut.total) {
            if (packet.type !== 'EndData') ignoreEndData = dataOut.tid;
            const { request, parts } = dataOut;
            dataOut = undefined;
            await runOperation(request, Buffer.concat(parts));
          }
          return;
        }
        return fail(`expected data for transaction ${dataOut.tid}, got ${packet.type}`);
      }
      switch (packet.type) {
        case 'OperationRequest':
          if (handler.takesData(packet.code)) {
            const start = await nextPacket();
            if (start?.type !== 'StartData' || start.transactionId !== packet.transactionId) {
              return fail('a data-out operation without its Start Data');
            }
            if (start.totalLength > maxDataOut)
              return fail(`data-out of ${start.totalLength} bytes exceeds ${maxDataOut}`);
            if (start.totalLength === 0) {
              ignoreEndData = packet.transactionId; // libgphoto2 sends no End Data for 0 bytes
              return runOperation(packet, Buffer.alloc(0));
            }
            dataOut = {
              tid: packet.transactionId,
              total: start.totalLength,
              parts: [],
              got: 0,
              request: packet,
            };
            return;
          }
          return runOperation(packet, undefined);
        case 'EndData':
          if (packet.transactionId === ignoreEndData && packet.data.length === 0) return;
          return fail('End Data outside a data phase');
        case 'ProbeRequest':
          socket.write(encodePacket({ type: 'ProbeResponse' }));
          return;
        case 'Cancel':
          return;
        default:
          return fail(`unexpected ${packet.type} on the command connection`);
      }
    };

    // A data-out operation reads its Start Data from the same queue.
    let waiter: ((p: Packet | undefined) => void) | undefined;
    const nextPacket = (): Promise<Packet | undefined> =>
      new Promise((resolve) => {
        const next = queue.shift();
        if (next !== undefined) resolve(next);
        else waiter = resolve;
      });

    const pump = async () => {
      if (running) return;
      running = true;
      try {
        for (let p = queue.shift(); p !== undefined; p = queue.shift()) await onPacket(p);
      } catch (err) {
        fail(err instanceof Error ? err.message : String(err));
      } finally {
        running = false;
      }
    };

    socket.on('data', (chunk: Buffer) => {
      let packets: Packet[];
      try {
        packets = framer.push(chunk);
      } catch (err) {
        return fail(err instanceof PtpCodecError ? `${err.code}: ${err.message}` : String(err));
      }
      for (const p of packets) {
        if (waiter !== undefined) {
          const w = waiter;
          waiter = undefined;
          w(p);
        } else queue.push(p);
      }
      void pump();
    });
    socket.on('close', () => {
      waiter?.(undefined);
      queue = [];
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 15740, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}
