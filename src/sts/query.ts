/**
 * The AWS Query protocol as STS speaks it (@aws-sdk/nested-clients' STS client uses AwsQueryProtocol,
 * version 2011-06-15): parameters form-encoded in a POST body (or a GET query), `Action` and `Version`
 * among them; answers are XML in the https://sts.amazonaws.com/doc/2011-06-15/ namespace.
 */
import { StsError } from './errors.js';

export const STS_VERSION = '2011-06-15';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';
const MAX_PARAMS = 200;

/** Form parameters; a repeated name is refused rather than guessed (`fail` makes the service's error). */
export function parseForm(
  text: string,
  fail: (code: 'ValidationError' | 'InvalidParameterValue', message: string) => Error = (code, message) =>
    new StsError(code, message),
): Map<string, string> {
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

export function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (c) =>
    c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : c === "'" ? '&apos;' : '&quot;',
  );
}

/** `<Name>value</Name>` for each entry; nested objects become nested elements. */
export interface XmlTree {
  readonly [name: string]: string | number | XmlTree;
}

function elements(tree: XmlTree): string {
  return Object.entries(tree)
    .map(([name, value]) =>
      typeof value === 'object'
        ? `<${name}>${elements(value)}</${name}>`
        : `<${name}>${xmlEscape(String(value))}</${name}>`,
    )
    .join('');
}

export function resultXml(action: string, result: XmlTree, requestId: string): string {
  return (
    `<${action}Response xmlns="${STS_XMLNS}"><${action}Result>${elements(result)}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`
  );
}

export function errorXml(err: StsError, requestId: string): string {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${STS_XMLNS}"><Error><Type>${type}</Type><Code>${err.code}</Code>` +
    `<Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`
  );
}
