/**
 * What an operator token may do on a camera's page: issue a pre-signed upload URL for it
 * (POST /v1/devices/{id}/uploads; URL, method, headers and expiry shown, with a copy button) and unpair
 * it from its user (DELETE /v1/devices/{id}/pairing; pairing itself needs the camera's signature and is
 * done in the app, docs/pairing.md). Rendered only for operator tokens; the backend enforces it anyway.
 */
import { useId, useState, type FormEvent } from 'react';
import { apiSend, describe, devicePath, formatTime, type IssuedUpload } from './api';

type Issue =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'error'; message: string }
  | { kind: 'issued'; upload: IssuedUpload };

export function OperatorActions({
  token,
  deviceId,
  ownerUserId,
  onUnpaired,
}: {
  token: string;
  deviceId: string;
  /** undefined: not known (yet); null: not paired. */
  ownerUserId: string | null | undefined;
  onUnpaired: () => void;
}) {
  const [contentType, setContentType] = useState('image/jpeg');
  const [issue, setIssue] = useState<Issue>({ kind: 'idle' });
  const [copied, setCopied] = useState<string | null>(null);
  const [unpair, setUnpair] = useState<{ kind: 'idle' | 'busy' } | { kind: 'error'; message: string }>({
    kind: 'idle',
  });
  const typeId = useId();
  const urlId = useId();

  const onIssue = (event: FormEvent) => {
    event.preventDefault();
    setIssue({ kind: 'busy' });
    setCopied(null);
    apiSend<IssuedUpload>(token, 'POST', `${devicePath(deviceId)}/uploads`, { contentType }).then(
      (upload) => setIssue(upload ? { kind: 'issued', upload } : { kind: 'error', message: 'empty answer' }),
      (err: unknown) => setIssue({ kind: 'error', message: describe(err) }),
    );
  };

  const copy = (text: string) => {
    if (!navigator.clipboard) {
      setCopied('Copying is not available here: select the URL and copy it.');
      return;
    }
    navigator.clipboard.writeText(text).then(
      () => setCopied('Upload URL copied.'),
      () => setCopied('Copying was refused: select the URL and copy it.'),
    );
  };

  const onUnpair = () => {
    if (!window.confirm(`Unpair ${deviceId} from user ${ownerUserId ?? ''}?`)) return;
    setUnpair({ kind: 'busy' });
    apiSend(token, 'DELETE', `${devicePath(deviceId)}/pairing`).then(
      () => {
        setUnpair({ kind: 'idle' });
        onUnpaired();
      },
      (err: unknown) => setUnpair({ kind: 'error', message: describe(err) }),
    );
  };

  return (
    <section aria-labelledby="operator-heading" className="panel operator">
      <h2 id="operator-heading">Operator actions</h2>
      <form onSubmit={onIssue} className="issue">
        <label htmlFor={typeId}>Content type</label>
        <input
          id={typeId}
          value={contentType}
          onChange={(e) => setContentType(e.target.value)}
          required
          maxLength={255}
          autoComplete="off"
        />
        <button type="submit" disabled={issue.kind === 'busy'}>
          Issue upload URL
        </button>
      </form>
      {issue.kind === 'busy' && <p role="status">Issuing an upload URL…</p>}
      {issue.kind === 'error' && (
        <p role="alert" className="error">
          No upload URL was issued: {issue.message}
        </p>
      )}
      {issue.kind === 'issued' && (
        <div className="issued">
          <label htmlFor={urlId}>Upload URL</label>
          <div className="copy-row">
            <input
              id={urlId}
              readOnly
              value={issue.upload.put.url}
              onFocus={(e) => e.currentTarget.select()}
            />
            <button type="button" onClick={() => copy(issue.upload.put.url)}>
              Copy upload URL
            </button>
          </div>
          <p className="meta">
            {issue.upload.put.method} with{' '}
            {Object.entries(issue.upload.put.headers)
              .map(([k, v]) => `${k}: ${v}`)
              .join(', ') || 'no extra headers'}
            ; upload <code>{issue.upload.uploadId}</code>; expires{' '}
            <time dateTime={issue.upload.put.expiresAt}>{formatTime(issue.upload.put.expiresAt)}</time>.
          </p>
          {copied !== null && <p role="status">{copied}</p>}
        </div>
      )}
      <div className="pairing">
        <h3>Pairing</h3>
        {ownerUserId === undefined && <p role="status">Loading pairing…</p>}
        {ownerUserId === null && (
          <p className="empty">
            Not paired. A user pairs the camera with the camlink app (<code>camlink app pair</code>), which
            proves they hold it.
          </p>
        )}
        {typeof ownerUserId === 'string' && (
          <>
            <p>
              Paired to user <code>{ownerUserId}</code>.
            </p>
            <button type="button" onClick={onUnpair} disabled={unpair.kind === 'busy'}>
              Unpair camera
            </button>
          </>
        )}
        {unpair.kind === 'error' && (
          <p role="alert" className="error">
            The camera was not unpaired: {unpair.message}
          </p>
        )}
      </div>
    </section>
  );
}
