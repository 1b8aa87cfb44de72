/**
 * A camera's upload list in pages (the API's `next` cursor, newest first) as a React hook:
 * - `loadMore` appends the next older page;
 * - `refreshHead` re-reads the newest page and merges it (an upload.completed event, the stream opening),
 *   keeping the older pages already shown;
 * - pre-signed GET/thumbnail URLs expire (backend.uploads.getUrlTtlSeconds): shortly before the first
 *   one shown expires, every loaded page is read again (`refreshAll`), and an image that fails to load
 *   asks for its own upload again (`refreshOne`), so pictures keep working without a page reload.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { apiGet, describe, devicePath, type Upload, type UploadPage } from './api';

export const PAGE_SIZE = 50;
/** The API's largest page; re-reading many loaded uploads takes pages of this size. */
const MAX_PAGE = 100;
/** URLs are renewed this long before they expire. */
const RENEW_BEFORE_MS = 30_000;
/** ...but not more often than this (a backend with a very short TTL must not make us spin). */
const MIN_RENEW_INTERVAL_MS = 10_000;

export type UploadList =
  | { kind: 'loading' }
  | { kind: 'error'; message: string }
  | {
      kind: 'ready';
      uploads: Upload[];
      /** Cursor of the next older page; null when everything is loaded. */
      next: string | null;
      loadingMore: boolean;
      moreError: string | null;
    };

function newestFirst(a: Upload, b: Upload): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.uploadId < b.uploadId ? 1 : a.uploadId > b.uploadId ? -1 : 0;
}

/** The head page replaces its uploads; older ones already loaded stay. */
export function mergeHead(head: Upload[], loaded: Upload[]): Upload[] {
  const ids = new Set(head.map((u) => u.uploadId));
  return [...head, ...loaded.filter((u) => !ids.has(u.uploadId))].sort(newestFirst);
}

/** Earliest expiry of the pre-signed URLs in the list (ms), or undefined. */
export function earliestExpiry(uploads: readonly Upload[]): number | undefined {
  let min: number | undefined;
  for (const u of uploads) {
    for (const at of [u.get?.expiresAt, u.thumbnail?.expiresAt]) {
      if (at === undefined) continue;
      const ms = new Date(at).getTime();
      if (!Number.isNaN(ms) && (min === undefined || ms < min)) min = ms;
    }
  }
  return min;
}

export function useUploadList(token: string, deviceId: string, status?: 'done') {
  const [list, setList] = useState<UploadList>({ kind: 'loading' });
  const listRef = useRef(list);
  listRef.current = list;
  const base = `${devicePath(deviceId)}/uploads?${status === undefined ? '' : `status=${status}&`}`;

  const page = useCallback(
    (limit: number, cursor: string | null, signal?: AbortSignal) =>
      apiGet<UploadPage>(
        token,
        `${base}limit=${limit}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`,
        signal,
      ),
    [token, base],
  );

  const refreshHead = useCallback(
    async (signal?: AbortSignal) => {
      try {
        const head = await page(PAGE_SIZE, null, signal);
        setList((s) =>
          s.kind === 'ready'
            ? { ...s, uploads: mergeHead(head.uploads, s.uploads) }
            : { kind: 'ready', uploads: head.uploads, next: head.next, loadingMore: false, moreError: null },
        );
      } catch (err) {
        if (signal?.aborted) return;
        setList((s) => (s.kind === 'ready' ? s : { kind: 'error', message: describe(err) }));
      }
    },
    [page],
  );

  const loadMore = useCallback(async () => {
    const s = listRef.current;
    if (s.kind !== 'ready' || s.next === null || s.loadingMore) return;
    setList({ ...s, loadingMore: true, moreError: null });
    try {
      const more = await page(PAGE_SIZE, s.next);
      setList((cur) =>
        cur.kind === 'ready'
          ? {
              kind: 'ready',
              uploads: mergeHead(cur.uploads, more.uploads),
              next: more.next,
              loadingMore: false,
              moreError: null,
            }
          : cur,
      );
    } catch (err) {
      setList((cur) =>
        cur.kind === 'ready' ? { ...cur, loadingMore: false, moreError: describe(err) } : cur,
      );
    }
  }, [page]);

  /** Reads as many uploads as are shown again, in pages: fresh URLs for all of them. */
  const refreshAll = useCallback(
    async (signal?: AbortSignal) => {
      const s = listRef.current;
      if (s.kind !== 'ready') return;
      const uploads: Upload[] = [];
      let cursor: string | null = null;
      let next: string | null = null;
      try {
        do {
          const want = Math.min(MAX_PAGE, Math.max(1, s.uploads.length - uploads.length));
          const got: UploadPage = await page(want, cursor, signal);
          uploads.push(...got.uploads);
          next = got.next;
          cursor = got.next;
        } while (cursor !== null && uploads.length < s.uploads.length);
      } catch {
        return; // the next image error or timer tries again
      }
      setList((cur) =>
        cur.kind === 'ready' ? { ...cur, uploads: mergeHead(uploads, cur.uploads), next } : cur,
      );
    },
    [page],
  );

  /** One upload again (its image failed: the URL may have expired). */
  const refreshOne = useCallback(
    async (uploadId: string) => {
      try {
        const { upload } = await apiGet<{ upload: Upload }>(
          token,
          `/v1/uploads/${encodeURIComponent(uploadId)}`,
        );
        setList((cur) =>
          cur.kind === 'ready'
            ? { ...cur, uploads: cur.uploads.map((u) => (u.uploadId === uploadId ? upload : u)) }
            : cur,
        );
      } catch {
        /* deleted or unreachable: the image keeps its fallback */
      }
    },
    [token],
  );

  useEffect(() => {
    const abort = new AbortController();
    setList({ kind: 'loading' });
    void refreshHead(abort.signal);
    return () => abort.abort();
  }, [refreshHead]);

  // Renew the URLs shortly before the first of them expires.
  const expiry = list.kind === 'ready' ? earliestExpiry(list.uploads) : undefined;
  useEffect(() => {
    if (expiry === undefined) return;
    const abort = new AbortController();
    const wait = Math.max(MIN_RENEW_INTERVAL_MS, expiry - RENEW_BEFORE_MS - Date.now());
    const timer = setTimeout(() => void refreshAll(abort.signal), wait);
    return () => {
      clearTimeout(timer);
      abort.abort();
    };
  }, [expiry, refreshAll]);

  return { list, loadMore, refreshHead, refreshAll, refreshOne };
}
