/**
 * PutMedia acknowledgements as Kinesis Video Streams sends them (API_dataplane_PutMedia, "PutMedia
 * acknowledgement"): HTTP 200 first, then one JSON object per line on the open response. BUFFERING when
 * a fragment's first bytes arrive, RECEIVED when it is whole, PERSISTED once it is durable (only with
 * retention), ERROR with KVS's numeric ErrorId, IDLE while no data arrives.
 */

/** KVS PutMedia ErrorIds (the producer SDK's SERVICE_CALL_RESULT_* values) and their names. */
export const PutMediaError = {
  STREAM_READ_ERROR: 4000,
  MAX_FRAGMENT_SIZE_REACHED: 4001,
  MAX_FRAGMENT_DURATION_REACHED: 4002,
  MAX_CONNECTION_DURATION_REACHED: 4003,
  FRAGMENT_TIMECODE_LESSER_THAN_PREVIOUS: 4004,
  INVALID_MKV_DATA: 4006,
  INVALID_PRODUCER_TIMESTAMP: 4007,
  STREAM_NOT_ACTIVE: 4008,
  TRACK_NUMBER_MISMATCH: 4010,
  FRAMES_MISSING_FOR_TRACK: 4011,
  MORE_THAN_ALLOWED_TRACKS_FOUND: 4012,
  INTERNAL_ERROR: 5000,
  ARCHIVAL_ERROR: 5001,
} as const;

export type PutMediaErrorCode = keyof typeof PutMediaError;

export type AckEventType = 'BUFFERING' | 'RECEIVED' | 'PERSISTED' | 'ERROR' | 'IDLE';

export interface Ack {
  readonly EventType: AckEventType;
  readonly FragmentTimecode?: number;
  readonly FragmentNumber?: string;
  readonly ErrorId?: number;
  readonly ErrorCode?: PutMediaErrorCode;
}

/** A refusal of the stream being ingested: answered with an ERROR ack, then the request ends. */
export class PutMediaFailure extends Error {
  constructor(
    readonly code: PutMediaErrorCode,
    message: string,
    /** The fragment it concerns, when there is one. */
    readonly fragmentTimecode?: number,
  ) {
    super(message);
    this.name = 'PutMediaFailure';
  }

  get errorId(): number {
    return PutMediaError[this.code];
  }
}

export function ackLine(ack: Ack): string {
  return `${JSON.stringify(ack)}\n`;
}

export function errorAck(failure: PutMediaFailure, fragmentNumber?: string): Ack {
  return {
    EventType: 'ERROR',
    FragmentTimecode: failure.fragmentTimecode ?? 0,
    ...(fragmentNumber === undefined ? {} : { FragmentNumber: fragmentNumber }),
    ErrorId: failure.errorId,
    ErrorCode: failure.code,
  };
}
