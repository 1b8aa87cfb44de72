/**
 * The AWS Query protocol as IAM speaks it (@aws-sdk/client-iam uses AwsQueryProtocol, version
 * 2010-05-08): form parameters with `Action` and `Version`, lists as `Name.member.N`, answers as XML
 * in the https://iam.amazonaws.com/doc/2010-05-08/ namespace with lists as `<Name><member>..</member>`.
 */
import { xmlEscape } from '../http/query-protocol.js';
import type { IamError } from './errors.js';

export const IAM_VERSION = '2010-05-08';
export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

export type XmlValue = string | number | boolean | readonly XmlValue[] | XmlObject | undefined;
export interface XmlObject {
  readonly [name: string]: XmlValue;
}

function element(name: string, value: XmlValue): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) {
    return `<${name}>${(value as readonly XmlValue[]).map((v) => element('member', v)).join('')}</${name}>`;
  }
  if (typeof value === 'object') return `<${name}>${elements(value as XmlObject)}</${name}>`;
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

function elements(tree: XmlObject): string {
  return Object.entries(tree)
    .map(([name, value]) => element(name, value))
    .join('');
}

export function iamResultXml(action: string, result: XmlObject | undefined, requestId: string): string {
  const body = result === undefined ? '' : `<${action}Result>${elements(result)}</${action}Result>`;
  return (
    `<${action}Response xmlns="${IAM_XMLNS}">${body}` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>\n`
  );
}

export function iamErrorXml(err: IamError, requestId: string): string {
  const type = err.status >= 500 ? 'Receiver' : 'Sender';
  return (
    `<ErrorResponse xmlns="${IAM_XMLNS}"><Error><Type>${type}</Type><Code>${err.code}</Code>` +
    `<Message>${xmlEscape(err.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>\n`
  );
}

/** IAM answers policy documents URL-encoded (RFC 3986), as the IAM API Reference says. */
export function encodePolicy(document: string): string {
  return encodeURIComponent(document).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
