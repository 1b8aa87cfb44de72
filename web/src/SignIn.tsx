import { useState, type FormEvent } from 'react';
import { apiGet, ApiError, describe, type Me } from './api';

/** Sign-in with an API token (docs/backend.md: `POST /v1/users` returns a user's first token). */
export function SignIn({ onSignedIn }: { onSignedIn: (token: string, me: Me) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Enter your access token.');
      return;
    }
    setBusy(true);
    setError(null);
    apiGet<Me>(value, '/v1/me').then(
      (me) => onSignedIn(value, me),
      (err: unknown) => {
        setBusy(false);
        setError(
          err instanceof ApiError && err.status === 401
            ? 'That token was not accepted. Check it and try again.'
            : `Sign-in failed: ${describe(err)}`,
        );
      },
    );
  };

  return (
    <main className="signin">
      <h1>camlink dashboard</h1>
      <form onSubmit={submit} aria-describedby="token-help">
        <label htmlFor="token">Access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="current-password"
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error !== null}
          aria-describedby={error === null ? 'token-help' : 'token-error'}
          required
        />
        <p id="token-help" className="hint">
          A user token (clk_…) from your operator. It stays in this browser tab only.
        </p>
        {error !== null && (
          <p id="token-error" role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
