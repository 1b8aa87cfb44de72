/**
 * HLS streaming sessions (GetHLSStreamingSessionURL): a random SessionToken names what the playlists
 * serve (stream, playback mode, fragment selector, window size) until it expires (Expires, 300-43200 s).
 * Bounded: at most 10 active sessions per stream (KVS's quota) and a global cap; expired ones are
 * dropped as new ones are made.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../util/clock.js';
import { KvsError } from '../errors.js';

export interface HlsSession {
  readonly stream: string;
  readonly mode: 'LIVE' | 'LIVE_REPLAY' | 'ON_DEMAND';
  readonly range?: { selector: 'PRODUCER_TIMESTAMP' | 'SERVER_TIMESTAMP'; startMs: number; endMs: number };
  readonly maxFragments: number;
  readonly expiresAt: number;
}

export const SESSIONS_PER_STREAM = 10;

export class HlsSessions {
  private readonly sessions = new Map<string, HlsSession>();

  constructor(
    private readonly clock: Clock,
    private readonly maxSessions: number,
  ) {}

  create(session: HlsSession): string {
    this.prune();
    const forStream = [...this.sessions.values()].filter((s) => s.stream === session.stream).length;
    if (forStream >= SESSIONS_PER_STREAM || this.sessions.size >= this.maxSessions) {
      throw new KvsError(
        'ClientLimitExceededException',
        `Too many active HLS sessions (at most ${SESSIONS_PER_STREAM} per stream).`,
      );
    }
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(token, session);
    return token;
  }

  get(token: string | null): HlsSession {
    const session = token === null ? undefined : this.sessions.get(token);
    if (session === undefined || session.expiresAt <= this.clock.now().getTime()) {
      throw new KvsError('NotAuthorizedException', 'The SessionToken is not valid or has expired.');
    }
    return session;
  }

  private prune(): void {
    const now = this.clock.now().getTime();
    for (const [token, s] of this.sessions) if (s.expiresAt <= now) this.sessions.delete(token);
  }
}
