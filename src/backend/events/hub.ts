/**
 * The backend's in-process event hub: what happened for a user (an upload was recorded...) goes to
 * that user's open event streams (GET /v1/events, server-sent events) and to `onPublish` listeners (an
 * MQTT republisher on camlink/users/{userId}/events can attach there).
 *
 * Event ids are decimal integers, strictly increasing per hub. The first id is the hub's start time in
 * microseconds, so ids also increase across a restart of the process and a client's Last-Event-ID from
 * before the restart still selects the newer events. The last `replayBuffer` events of all users are
 * kept in one ring buffer (bounded memory) for Last-Event-ID replay; older ones are gone, and the
 * upload list is the source of truth a client resynchronizes from.
 *
 * Replicas: an event another backend process published (relayed by pg-relay.ts) is delivered here with
 * `deliverRemote`: it gets this hub's next id (ids stay increasing on every stream of this process) and
 * goes to this process's streams only; the MQTT republisher is the originating replica's job.
 */
import type { Clock } from '../../util/clock.js';

export interface UploadCompletedData {
  readonly uploadId: string;
  readonly deviceId: string;
  readonly bucket: string;
  readonly key: string;
  /** The object's address without a signature. */
  readonly url: string;
  readonly size: number;
  /** Lower-case hex SHA-256 of the object's bytes. */
  readonly sha256: string;
  readonly contentType: string;
  /**
   * ISO 8601 times. capturedAt comes from the camera's notification: null when the sweeper completed
   * the upload without one.
   */
  readonly capturedAt: string | null;
  readonly completedAt: string;
}

/** A completed picture's thumbnail is stored (after its upload.completed; pictures only, best effort). */
export interface UploadThumbnailData {
  readonly uploadId: string;
  readonly deviceId: string;
  readonly bucket: string;
  /** The thumbnail's key (`<key without extension>.thumb.jpg`); the media API gives a GET URL. */
  readonly thumbnailKey: string;
}

/** A device went online or offline (its newest AWS IoT lifecycle event, see presence/order.ts). */
export interface DevicePresenceData {
  readonly deviceId: string;
  readonly state: 'online' | 'offline';
  /** ISO 8601 time of the lifecycle event. */
  readonly since: string;
  readonly versionNumber: number;
}

/** Event type -> its `data`. */
export interface BackendEventData {
  'upload.completed': UploadCompletedData;
  'upload.thumbnail': UploadThumbnailData;
  'device.presence': DevicePresenceData;
}

export type BackendEventType = keyof BackendEventData;

export type BackendEvent = {
  [T in BackendEventType]: {
    /** Decimal integer, strictly increasing per process (the SSE `id:`). */
    readonly id: string;
    readonly type: T;
    /** ISO 8601 time of publication. */
    readonly at: string;
    readonly data: BackendEventData[T];
  };
}[BackendEventType];

/** Whose events a subscriber gets: one user's, or everyone's (the operator). */
export type EventAudience = { readonly userId: string } | 'all';

/** userId undefined: an event of no user (e.g. an unpaired device's presence), for the operator only. */
export type EventListener = (event: BackendEvent, userId: string | undefined) => void;
/** Publish listeners see users' events only. */
export type UserEventListener = (event: BackendEvent, userId: string) => void;

export interface EventSubscription {
  /** Buffered events newer than the subscription's Last-Event-ID, oldest first. */
  readonly replay: readonly BackendEvent[];
  unsubscribe(): void;
}

interface Entry {
  readonly seq: number;
  readonly userId: string | undefined;
  readonly event: BackendEvent;
}

/** A Last-Event-ID we can compare: a decimal integer (that must also be a safe integer). */
const EVENT_ID = /^[0-9]{1,16}$/;

export class EventHub {
  private next: number;
  private readonly buffer: (Entry | undefined)[];
  private head = 0;
  private readonly byUser = new Map<string, Set<EventListener>>();
  private readonly everyone = new Set<EventListener>();
  private readonly publishListeners = new Set<UserEventListener>();
  private readonly originListeners = new Set<EventListener>();

  constructor(
    private readonly clock: Clock,
    private readonly replayBuffer: number,
  ) {
    this.next = clock.now().getTime() * 1000;
    this.buffer = new Array<Entry | undefined>(replayBuffer).fill(undefined);
  }

  /** Publishes to the user's streams and the operator's; with userId undefined, to the operator's only. */
  publish<T extends BackendEventType>(
    userId: string | undefined,
    type: T,
    data: BackendEventData[T],
  ): BackendEvent {
    const event = this.record(userId, type, data);
    this.originListeners.forEach((listener) => deliver(listener, event, userId));
    if (userId !== undefined) {
      for (const listener of this.publishListeners) deliver((e) => listener(e, userId), event, userId);
    }
    return event;
  }

  /**
   * An event that another replica published: to this process's streams and replay buffer, under this
   * hub's next id; not to publish or origin listeners (the other replica has done that).
   */
  deliverRemote<T extends BackendEventType>(
    userId: string | undefined,
    type: T,
    data: BackendEventData[T],
  ): BackendEvent {
    return this.record(userId, type, data);
  }

  private record<T extends BackendEventType>(
    userId: string | undefined,
    type: T,
    data: BackendEventData[T],
  ): BackendEvent {
    const seq = this.next++;
    const event = { id: String(seq), type, at: this.clock.now().toISOString(), data } as BackendEvent;
    if (this.replayBuffer > 0) {
      this.buffer[this.head] = { seq, userId, event };
      this.head = (this.head + 1) % this.replayBuffer;
    }
    if (userId !== undefined) this.byUser.get(userId)?.forEach((l) => deliver(l, event, userId));
    this.everyone.forEach((l) => deliver(l, event, userId));
    return event;
  }

  /**
   * Live events for the audience from now on, plus the buffered ones newer than `lastEventId` (an id
   * that is not one of ours is ignored: no replay). Replay and subscription happen in one synchronous
   * step, so no event falls between them.
   */
  subscribe(audience: EventAudience, listener: EventListener, lastEventId?: string): EventSubscription {
    const after = lastEventId !== undefined && EVENT_ID.test(lastEventId) ? Number(lastEventId) : undefined;
    const replay = after === undefined || !Number.isSafeInteger(after) ? [] : this.buffered(audience, after);
    let set: Set<EventListener>;
    if (audience === 'all') {
      set = this.everyone;
    } else {
      set = this.byUser.get(audience.userId) ?? new Set();
      this.byUser.set(audience.userId, set);
    }
    set.add(listener);
    return {
      replay,
      unsubscribe: () => {
        set.delete(listener);
        if (audience !== 'all' && set.size === 0 && this.byUser.get(audience.userId) === set) {
          this.byUser.delete(audience.userId);
        }
      },
    };
  }

  /** Every published event, for every user (e.g. an MQTT republisher); returns the detach function. */
  onPublish(listener: UserEventListener): () => void {
    this.publishListeners.add(listener);
    return () => this.publishListeners.delete(listener);
  }

  /** Every event this process originates (users' and the operator's), e.g. the replica relay. */
  onOriginate(listener: EventListener): () => void {
    this.originListeners.add(listener);
    return () => this.originListeners.delete(listener);
  }

  private buffered(audience: EventAudience, after: number): BackendEvent[] {
    const out: BackendEvent[] = [];
    for (let i = 0; i < this.replayBuffer; i++) {
      const entry = this.buffer[(this.head + i) % this.replayBuffer];
      if (entry === undefined || entry.seq <= after) continue;
      if (audience === 'all' || entry.userId === audience.userId) out.push(entry.event);
    }
    return out;
  }
}

/** A throwing listener must not keep the event from the others (nor fail the reconciler). */
function deliver(listener: EventListener, event: BackendEvent, userId: string | undefined): void {
  try {
    listener(event, userId);
  } catch {
    /* the listener's own problem; streams end themselves on write errors */
  }
}
