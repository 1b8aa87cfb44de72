/**
 * What the AWS Query protocol services (STS, IAM) share: an HTTPS listener answering XML, and the
 * request's parameters (form-encoded in a POST body or a GET query, `Action` and `Version` among them;
 * a repeated name is refused rather than guessed). Each service keeps its own errors, actions and
 * authentication; `fail` makes the service's own error for a bad parameter list.
 */
import { once } from 'node:events';
import type http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log/logger.js';
import { KEEP_ALIVE_TIMEOUT_MS, listenOn, urlHost } from './listener.js';

const MAX_PARAMS = 200;

export type ParamFailure = (code: 'ValidationError' | 'InvalidParameterValue', message: string) => Error;

/** Form parameters of one string (a body or a query). */
export function parseForm(text: string, fail: ParamFailure): Map<string, string> {
  const params = new Map<string, string>();
  if (text === '') return params;
  const pairs = text.split('&');
  if (pairs.length > MAX_PARAMS) throw fail('ValidationError', 'too many request parameters');
  for (const pair of pairs) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const decode = (s: string) => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        throw fail('InvalidParameterValue', 'a request parameter is not valid percent-encoded UTF-8');
      }
    };
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1));
    if (params.has(name)) throw fail('InvalidParameterValue', `parameter ${name} is given twice`);
    params.set(name, value);
  }
  return params;
}

/** The query string's parameters and, for a POST, the body's; a name in both is the body's. */
export function requestParams(
  req: http.IncomingMessage,
  body: Buffer,
  fail: ParamFailure,
): Map<string, string> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const query = parseForm(q < 0 ? '' : url.slice(q + 1), fail);
  const form = req.method === 'POST' ? parseForm(body.toString('utf8'), fail) : new Map<string, string>();
  return new Map([...query, ...form]);
}

/** Text for an XML element or attribute. */
export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&apos;' : '&quot;',
  );
}

/** An XML answer; `close` ends the connection after it (e.g. a body too large was not read). */
export interface XmlAnswer {
  readonly status: number;
  readonly xml: string;
  readonly close?: boolean;
}

export interface QueryListenerOptions {
  /** For the log lines, e.g. "STS". */
  readonly name: string;
  readonly host: string;
  readonly port: number;
  readonly tls: { key: Buffer; cert: Buffer };
  readonly logger: Logger;
  /** The answer to one request; it must not throw (map errors to an answer). */
  readonly answer: (req: http.IncomingMessage) => Promise<XmlAnswer>;
}

export interface RunningQueryListener {
  readonly url: string;
  close(): Promise<void>;
}

export async function startQueryListener(options: QueryListenerOptions): Promise<RunningQueryListener> {
  const server = https.createServer({ ...options.tls, minVersion: 'TLSv1.2' }, (req, res) => {
    options.answer(req).then(
      (answer) => send(res, answer),
      (err: unknown) => {
        options.logger.error({ err }, `${options.name} request failed`);
        send(res, { status: 500, xml: '', close: true });
      },
    );
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  server.requestTimeout = 30_000;
  await listenOn(server, {
    service: `the ${options.name} service`,
    host: options.host,
    port: options.port,
    configKey: `${options.name.toLowerCase()}.port`,
  });
  const { port } = server.address() as AddressInfo;
  options.logger.info({ port }, `${options.name} listening`);
  return {
    url: `https://${urlHost(options.host)}:${port}`,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

function send(res: http.ServerResponse, answer: XmlAnswer): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(answer.status, {
    'content-type': 'text/xml',
    'content-length': Buffer.byteLength(answer.xml),
    ...(answer.close === true ? { connection: 'close' } : {}),
  });
  res.end(answer.xml);
}
