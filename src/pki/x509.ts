/**
 * The one import point for @peculiar/x509: it needs the reflect-metadata polyfill loaded first and a
 * WebCrypto provider (Node's own) set before use. Every PKI module imports the library from here.
 */
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto);

export { x509 };
