/** SigV4 verification shared by the AWS-compatible surfaces (S3 today; SQS, IoT and KVS next). */
export * from './canonical-request.js';
export * from './chunk-signature.js';
export * from './encoding.js';
export * from './errors.js';
export * from './headers.js';
export * from './parse.js';
export * from './signing-key.js';
export * from './verify.js';
