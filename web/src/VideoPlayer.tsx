import { useEffect, useRef, useState } from 'react';
import { apiGet, ApiError, describe, devicePath } from './api';

type State =
  | { kind: 'loading' }
  | { kind: 'unavailable'; message: string }
  | { kind: 'error'; message: string }
  | { kind: 'ready'; url: string };

/** How often the player asks again while the camera sends no video. */
const RECHECK_MS = 3_000;

/**
 * The camera's live video: an HLS session URL from GET /v1/devices/{id}/video/hls?mode=LIVE, played
 * with hls.js (Media Source Extensions) or natively where HLS is built in (Safari). While the backend
 * answers VIDEO_NOT_AVAILABLE (nothing in the last 30 s) it says so and checks again.
 */
export function VideoPlayer({ token, deviceId }: { token: string; deviceId: string }) {
  const [state, setState] = useState<State>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    apiGet<{ hls: { url: string } }>(token, `${devicePath(deviceId)}/video/hls?mode=LIVE`, abort.signal).then(
      ({ hls }) => setState({ kind: 'ready', url: hls.url }),
      (err: unknown) => {
        if (abort.signal.aborted) return;
        if (err instanceof ApiError && err.code === 'VIDEO_NOT_AVAILABLE') {
          setState({ kind: 'unavailable', message: err.message });
          timer = setTimeout(() => setAttempt((n) => n + 1), RECHECK_MS);
        } else {
          setState({ kind: 'error', message: describe(err) });
        }
      },
    );
    return () => {
      abort.abort();
      clearTimeout(timer);
    };
  }, [token, deviceId, attempt]);

  const url = state.kind === 'ready' ? state.url : null;
  useEffect(() => {
    const element = video.current;
    if (url === null || element === null) return;
    let cleanup: (() => void) | undefined;
    let cancelled = false;
    const play = () => {
      element.play().catch(() => undefined);
    };
    const fail = (message: string) => setState({ kind: 'error', message });
    const native = () => {
      if (element.canPlayType('application/vnd.apple.mpegurl') === '') {
        return fail('this browser cannot play HLS video');
      }
      element.src = url;
      play();
      cleanup = () => {
        element.removeAttribute('src');
        element.load();
      };
    };
    // hls.js is most of the bundle: loaded only when there is video to play. It is preferred where
    // Media Source Extensions exist; otherwise the browser's own HLS (Safari on iOS).
    import('hls.js').then(
      ({ default: Hls }) => {
        if (cancelled) return;
        if (!Hls.isSupported()) return native();
        const hls = new Hls();
        hls.on(Hls.Events.ERROR, (_event, data) => {
          if (!data.fatal) return;
          hls.destroy();
          fail(`the video could not be played (${data.details})`);
        });
        hls.on(Hls.Events.MANIFEST_PARSED, play);
        hls.loadSource(url);
        hls.attachMedia(element);
        cleanup = () => hls.destroy();
      },
      () => {
        if (!cancelled) native();
      },
    );
    return () => {
      cancelled = true;
      cleanup?.();
    };
  }, [url]);

  return (
    <section aria-labelledby="video-heading" className="panel">
      <h2 id="video-heading">Live video</h2>
      {state.kind === 'loading' && <p role="status">Looking for live video…</p>}
      {state.kind === 'unavailable' && (
        <p role="status" className="empty">
          No live video from this camera right now (nothing in the last 30 seconds). Checking again every{' '}
          {RECHECK_MS / 1000} s.
        </p>
      )}
      {state.kind === 'error' && (
        <p role="alert" className="error">
          Live video failed: {state.message}
        </p>
      )}
      {state.kind !== 'ready' && state.kind !== 'loading' && (
        <button type="button" onClick={() => setAttempt((n) => n + 1)}>
          Check again
        </button>
      )}
      {state.kind === 'ready' && (
        <video
          ref={video}
          className="player"
          aria-label={`Live video from ${deviceId}`}
          controls
          muted
          autoPlay
          playsInline
        />
      )}
    </section>
  );
}
