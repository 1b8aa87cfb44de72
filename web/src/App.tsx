import { useCallback, useEffect, useState } from 'react';
import { apiGet, type Me } from './api';
import { DevicePage } from './DevicePage';
import { Fleet } from './Fleet';
import { Link } from './Link';
import { useRoute } from './router';
import { loadToken, saveToken } from './session';
import { SignIn } from './SignIn';

export function App() {
  const [token, setToken] = useState<string | null>(loadToken);
  const [me, setMe] = useState<Me | null>(null);
  const route = useRoute();

  const signOut = useCallback(() => {
    saveToken(null);
    setToken(null);
    setMe(null);
  }, []);

  // A stored token is checked again on load: a revoked one leads back to the sign-in form.
  useEffect(() => {
    if (token === null || me !== null) return;
    const abort = new AbortController();
    apiGet<Me>(token, '/v1/me', abort.signal).then(setMe, () => {
      if (!abort.signal.aborted) signOut();
    });
    return () => abort.abort();
  }, [token, me, signOut]);

  if (token === null) {
    return (
      <SignIn
        onSignedIn={(newToken, who) => {
          saveToken(newToken);
          setToken(newToken);
          setMe(who);
        }}
      />
    );
  }

  return (
    <>
      <header className="topbar">
        <Link href="/">camlink</Link>
        <span className="who">
          {me === null ? 'Signed in' : me.kind === 'operator' ? 'Operator' : (me.user?.name ?? 'User')}
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main>
        {route.page === 'fleet' && <Fleet token={token} me={me} />}
        {route.page === 'device' && (
          <DevicePage key={route.deviceId} token={token} deviceId={route.deviceId} me={me} />
        )}
        {route.page === 'unknown' && (
          <section>
            <h1>Page not found</h1>
            <p>
              <Link href="/">Back to your cameras</Link>
            </p>
          </section>
        )}
      </main>
    </>
  );
}
