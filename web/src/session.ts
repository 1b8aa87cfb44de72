/** The signed-in token, kept for this tab only (sessionStorage), never in the URL. */
const KEY = 'camlink.token';

export function loadToken(): string | null {
  try {
    return window.sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function saveToken(token: string | null): void {
  try {
    if (token === null) window.sessionStorage.removeItem(KEY);
    else window.sessionStorage.setItem(KEY, token);
  } catch {
    /* storage disabled: the session lasts as long as the page */
  }
}
