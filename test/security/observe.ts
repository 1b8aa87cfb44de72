/**
 * How the suite names what it saw, in each protocol's own terms: a TLS alert from the handshake, an
 * HTTP status with the service's error code (S3 XML `<Code>`, AWS JSON `__type`/x-amzn-ErrorType, the
 * backend's `{error:{code}}`), so the table's observed column is the wire's answer, not a paraphrase.
 */
import assert from 'node:assert/strict';
import tls from 'node:tls';
import type { RawResponse } from '../helpers/https.js';

/** Awaits a refused TLS connection and names the refusal (the alert the server sent, or the reset). */
export async function tlsRefusal(attempt: Promise<unknown>): Promise<string> {
  let error: unknown;
  try {
    await attempt;
  } catch (err) {
    error = err;
  }
  assert.ok(error instanceof Error, 'the connection was refused');
  const message = error.message;
  const alert = /alert ([a-z ]+?)(?:\s*\(|:|$)|SSL alert number (\d+)/i.exec(message);
  if (alert?.[1] !== undefined) return `TLS alert "${alert[1].trim().toLowerCase()}"`;
  if (alert?.[2] !== undefined) return `TLS alert ${alert[2]}`;
  if (message === 'closed by the server without a TLS alert') return message;
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? message : `${code} (${message})`;
}

/**
 * Opens a mutual-TLS connection and waits until the server refuses it; names the refusal. With TLS 1.3
 * the client's handshake completes before the server has checked its certificate, so the server's
 * alert arrives as the first read.
 */
export function tlsHandshakeRefusal(options: tls.ConnectionOptions): Promise<string> {
  return tlsRefusal(
    new Promise<void>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', servername: 'localhost', ...options });
      socket.once('error', reject);
      socket.once('close', () => reject(new Error('closed by the server without a TLS alert')));
      socket.once('data', () => {
        socket.destroy();
        resolve();
      });
    }),
  );
}

/** The error code of an HTTP answer, in the format the service speaks. */
export function errorCodeOf(res: RawResponse): string {
  const text = res.body.toString('utf8');
  const xml = /<Code>([^<]+)<\/Code>/.exec(text)?.[1];
  if (xml !== undefined) return xml;
  const header = res.headers['x-amzn-errortype'];
  if (typeof header === 'string') return header.split(':')[0] ?? header;
  try {
    const json = JSON.parse(text) as { __type?: string; error?: { code?: string }; message?: string };
    if (json.error?.code !== undefined) return json.error.code;
    if (json.__type !== undefined) return json.__type.split('#').pop() ?? json.__type;
  } catch {
    // not JSON
  }
  return '(no code)';
}

/** Asserts the status and code of a refusal and returns them as `status code`. */
export function refusal(res: RawResponse, status: number, code: string): string {
  const observed = `${res.status} ${errorCodeOf(res)}`;
  assert.equal(observed, `${status} ${code}`, res.body.toString('utf8').slice(0, 500));
  return observed;
}
