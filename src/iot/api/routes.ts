/**
 * The AWS IoT REST routes camlink serves (paths, methods and bindings of @aws-sdk/client-iot's
 * operation schemas: labels in the path, httpQuery members in the query, the rest in a JSON body).
 */
import { z } from 'zod';
import { IotApiError } from '../registry/errors.js';
import { body, bool, int, opt, route, type Route, type RouteInput } from './route-kit.js';
import { roleAliasRoutes } from './role-alias-routes.js';
import { topicRuleRoutes } from './topic-rule-routes.js';
import { CamlinkError } from '../../errors/camlink-error.js';

const str = z.string();
const optStr = z.string().optional();
const registrationConfig = z
  .object({ templateBody: optStr, roleArn: optStr, templateName: optStr })
  .strict()
  .optional();

/** The x-amzn-principal header (AttachThingPrincipal, DetachThingPrincipal, ListPrincipalThings). */
function principalHeader(i: RouteInput): string {
  const principal = i.headers['x-amzn-principal'];
  if (typeof principal !== 'string')
    throw new IotApiError('InvalidRequestException', 'x-amzn-principal header is required');
  return principal;
}

export const routes: readonly Route[] = [
  route('GetRegistrationCode', 'GET', '/registrationcode', (_i, d) => ({
    registrationCode: d.registry.registrationCode(),
  })),
  route('RegisterCACertificate', 'POST', '/cacertificate', async (i, d) => {
    const b = body(
      z
        .object({
          caCertificate: str,
          verificationCertificate: optStr,
          registrationConfig,
          certificateMode: optStr,
          tags: z.array(z.unknown()).optional(),
        })
        .strict(),
      i.body,
    );
    return d.registry.registerCaCertificate({
      ...b,
      setAsActive: bool(i.query, 'setAsActive'),
      allowAutoRegistration: bool(i.query, 'allowAutoRegistration'),
    });
  }),
  route('UpdateCACertificate', 'PUT', '/cacertificate/{certificateId}', (i, d) => {
    const b = body(
      z.object({ registrationConfig, removeAutoRegistration: z.boolean().optional() }).strict(),
      i.body,
    );
    d.registry.updateCaCertificate(i.params.certificateId ?? '', {
      ...b,
      newStatus: opt(i.query, 'newStatus'),
      newAutoRegistrationStatus: opt(i.query, 'newAutoRegistrationStatus'),
    });
    return {};
  }),
  route('DescribeCACertificate', 'GET', '/cacertificate/{certificateId}', (i, d) =>
    d.registry.describeCaCertificate(i.params.certificateId ?? ''),
  ),
  route('DeleteCACertificate', 'DELETE', '/cacertificate/{certificateId}', (i, d) => {
    d.registry.deleteCaCertificate(i.params.certificateId ?? '');
    return {};
  }),
  route('ListCertificatesByCA', 'GET', '/certificates-by-ca/{caCertificateId}', (i, d) =>
    d.registry.listCertificatesByCa(i.params.caCertificateId ?? '', {
      pageSize: int(i.query, 'pageSize'),
      marker: opt(i.query, 'marker'),
      ascendingOrder: bool(i.query, 'isAscendingOrder'),
    }),
  ),
  route('ListCACertificates', 'GET', '/cacertificates', (i, d) =>
    d.registry.listCaCertificates({
      pageSize: int(i.query, 'pageSize'),
      marker: opt(i.query, 'marker'),
      ascendingOrder: bool(i.query, 'isAscendingOrder'),
    }),
  ),
  route('RegisterCertificate', 'POST', '/certificate/register', async (i, d) => {
    const b = body(
      z.object({ certificatePem: str, caCertificatePem: optStr, status: optStr }).strict(),
      i.body,
    );
    return d.registry.registerCertificate({ ...b, setAsActive: bool(i.query, 'setAsActive') });
  }),
  route('RegisterCertificateWithoutCA', 'POST', '/certificate/register-no-ca', (i, d) =>
    d.registry.registerCertificateWithoutCa(
      body(z.object({ certificatePem: str, status: optStr }).strict(), i.body),
    ),
  ),
  route('CreateCertificateFromCsr', 'POST', '/certificates', async (i, d) => {
    const b = body(z.object({ certificateSigningRequest: str }).strict(), i.body);
    let certificatePem: string;
    try {
      certificatePem = await d.signCsr(b.certificateSigningRequest);
    } catch (err) {
      if (err instanceof CamlinkError) throw new IotApiError('InvalidRequestException', err.message);
      throw err;
    }
    const { certificateArn, certificateId } = await d.registry.registerIssuedCertificate(
      certificatePem,
      bool(i.query, 'setAsActive') === true,
    );
    return { certificateArn, certificateId, certificatePem };
  }),
  route('UpdateCertificate', 'PUT', '/certificates/{certificateId}', (i, d) => {
    const status = opt(i.query, 'newStatus');
    if (status === undefined) throw new IotApiError('InvalidRequestException', 'newStatus is required');
    d.registry.updateCertificate(i.params.certificateId ?? '', status);
    return {};
  }),
  route('DescribeCertificate', 'GET', '/certificates/{certificateId}', (i, d) =>
    d.registry.describeCertificate(i.params.certificateId ?? ''),
  ),
  route('DeleteCertificate', 'DELETE', '/certificates/{certificateId}', (i, d) => {
    d.registry.deleteCertificate(i.params.certificateId ?? '', bool(i.query, 'forceDelete') === true);
    return {};
  }),
  route('CreateThing', 'POST', '/things/{thingName}', (i, d) => {
    const b = body(
      z
        .object({
          thingTypeName: optStr,
          attributePayload: z
            .object({
              attributes: z.record(z.string(), z.string()).optional(),
              merge: z.boolean().optional(),
            })
            .strict()
            .optional(),
          billingGroupName: optStr,
        })
        .strict(),
      i.body,
    );
    return d.registry.createThing({
      thingName: i.params.thingName ?? '',
      thingTypeName: b.thingTypeName,
      attributes: b.attributePayload?.attributes,
    });
  }),
  route('DescribeThing', 'GET', '/things/{thingName}', (i, d) =>
    d.registry.describeThing(i.params.thingName ?? ''),
  ),
  route('ListThings', 'GET', '/things', (i, d) =>
    d.registry.listThings({ maxResults: int(i.query, 'maxResults'), nextToken: opt(i.query, 'nextToken') }),
  ),
  route('DeleteThing', 'DELETE', '/things/{thingName}', (i, d) => {
    d.registry.deleteThing(i.params.thingName ?? '', int(i.query, 'expectedVersion'));
    return {};
  }),
  route('AttachThingPrincipal', 'PUT', '/things/{thingName}/principals', (i, d) => {
    d.registry.attachThingPrincipal(i.params.thingName ?? '', principalHeader(i));
    return {};
  }),
  route('DetachThingPrincipal', 'DELETE', '/things/{thingName}/principals', (i, d) => {
    d.registry.detachThingPrincipal(i.params.thingName ?? '', principalHeader(i));
    return {};
  }),
  route('ListPrincipalThings', 'GET', '/principals/things', (i, d) =>
    d.registry.listPrincipalThings(principalHeader(i), {
      maxResults: int(i.query, 'maxResults'),
      nextToken: opt(i.query, 'nextToken'),
    }),
  ),
  route('ListThingPrincipals', 'GET', '/things/{thingName}/principals', (i, d) =>
    d.registry.listThingPrincipals(i.params.thingName ?? ''),
  ),
  route('CreatePolicy', 'POST', '/policies/{policyName}', (i, d) => {
    const b = body(z.object({ policyDocument: str, tags: z.array(z.unknown()).optional() }).strict(), i.body);
    return d.registry.createPolicy(i.params.policyName ?? '', b.policyDocument);
  }),
  route('GetPolicy', 'GET', '/policies/{policyName}', (i, d) =>
    d.registry.getPolicy(i.params.policyName ?? ''),
  ),
  route('DeletePolicy', 'DELETE', '/policies/{policyName}', (i, d) => {
    d.registry.deletePolicy(i.params.policyName ?? '');
    return {};
  }),
  route('AttachPolicy', 'PUT', '/target-policies/{policyName}', (i, d) => {
    const b = body(z.object({ target: str }).strict(), i.body);
    d.registry.attachPolicy(i.params.policyName ?? '', b.target);
    return {};
  }),
  route('DetachPolicy', 'POST', '/target-policies/{policyName}', (i, d) => {
    const b = body(z.object({ target: str }).strict(), i.body);
    d.registry.detachPolicy(i.params.policyName ?? '', b.target);
    return {};
  }),
  route('ListTargetsForPolicy', 'POST', '/policy-targets/{policyName}', (i, d) =>
    d.registry.listTargetsForPolicy(i.params.policyName ?? '', {
      pageSize: int(i.query, 'pageSize'),
      marker: opt(i.query, 'marker'),
    }),
  ),
  route('ListAttachedPolicies', 'POST', '/attached-policies/{target}', (i, d) =>
    d.registry.listAttachedPolicies(i.params.target ?? '', {
      pageSize: int(i.query, 'pageSize'),
      marker: opt(i.query, 'marker'),
    }),
  ),
  route('DescribeEndpoint', 'GET', '/endpoint', (i, d) => {
    const type = opt(i.query, 'endpointType') ?? 'iot:Data';
    if (type === 'iot:Data' || type === 'iot:Jobs') {
      throw new IotApiError(
        'InvalidRequestException',
        `${type} (VeriSign) endpoints are retired; ask for iot:Data-ATS`,
      );
    }
    const address = d.endpoints[type];
    if (address === undefined)
      throw new IotApiError('InvalidRequestException', `endpointType ${type} is not served here`);
    return { endpointAddress: address };
  }),
  ...roleAliasRoutes,
  ...topicRuleRoutes,
];
