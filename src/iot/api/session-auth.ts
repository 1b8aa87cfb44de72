/**
 * What an assumed role's request to the IoT API needs from the role's permission policy (IAM): the
 * action `iot:<Operation>` on every resource the request names: things, certificates, CA
 * certificates, policies, role aliases, topic rules, the principal of AttachThingPrincipal and the target of
 * AttachPolicy / ListAttachedPolicies; `*` for operations that name none (ListThings,
 * CreateCertificateFromCsr, DescribeEndpoint...), as IAM requires for them.
 */
import type { RouteInput } from './route-kit.js';

export interface IotArnScope {
  readonly partition: 'aws' | 'aws-cn';
  readonly region: string;
  readonly account: string;
}

export function sessionResources(
  operation: string,
  path: string,
  input: RouteInput,
  scope: IotArnScope,
): string[] {
  const arn = (type: string, name: string) =>
    `arn:${scope.partition}:iot:${scope.region}:${scope.account}:${type}/${name}`;
  const { params } = input;
  const resources: string[] = [];
  if (params.thingName !== undefined) resources.push(arn('thing', params.thingName));
  if (params.certificateId !== undefined) {
    resources.push(arn(path.startsWith('/cacertificate/') ? 'cacert' : 'cert', params.certificateId));
  }
  if (params.policyName !== undefined) resources.push(arn('policy', params.policyName));
  if (params.roleAlias !== undefined) resources.push(arn('rolealias', params.roleAlias));
  if (params.ruleName !== undefined) resources.push(arn('rule', params.ruleName));
  if (params.target !== undefined) resources.push(params.target);
  if (operation === 'AttachThingPrincipal') {
    const principal = input.headers['x-amzn-principal'];
    if (typeof principal === 'string') resources.push(principal);
  }
  if (operation === 'AttachPolicy') {
    const target = (input.body as { target?: unknown } | null)?.target;
    if (typeof target === 'string') resources.push(target);
  }
  return resources.length > 0 ? resources : ['*'];
}
