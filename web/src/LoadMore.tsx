/** The "Load more" button under a paged list, with its busy and error states. */
import type { UploadList } from './uploads';

export function LoadMore({
  list,
  what,
  onLoadMore,
}: {
  list: Extract<UploadList, { kind: 'ready' }>;
  what: string;
  onLoadMore: () => void;
}) {
  if (list.next === null && list.moreError === null) return null;
  return (
    <div className="load-more">
      {list.moreError !== null && (
        <p role="alert" className="error">
          More {what} could not be loaded: {list.moreError}
        </p>
      )}
      {list.next !== null && (
        <button type="button" onClick={onLoadMore} disabled={list.loadingMore} aria-busy={list.loadingMore}>
          {list.loadingMore ? `Loading more ${what}…` : `Load more ${what}`}
        </button>
      )}
    </div>
  );
}
