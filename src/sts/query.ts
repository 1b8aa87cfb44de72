/**
 * The AWS Query protocol as STS speaks it (@aws-sdk/nested-clients' STS client uses AwsQueryProtocol,
 * version 2011-06-15): parameters form-encoded in a POST body (or a GET query), `Action` and `Version`
 * among them; answers are XML in the https://sts.amazonaws.com/doc/2011-06-15/ namespace.
 */
import { xmlEscape } from '../http/query-protocol.js';
import type { StsError } from './errors.js';

export const STS_VERSION = '2011-06-15';
export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

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
