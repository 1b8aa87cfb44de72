/**
 * JITP provisioning templates (developer guide provision-template, jit-provisioning): Parameters with
 * AWS::IoT::Certificate::* values taken from the device certificate, and Resources of type
 * AWS::IoT::Thing, AWS::IoT::Certificate and AWS::IoT::Policy whose properties may use {"Ref"} and
 * {"Fn::Join"}. A template referencing a subject field the certificate lacks fails provisioning, as on AWS.
 */
import { z } from 'zod';
import { IotApiError } from './errors.js';

const value: z.ZodType<TemplateValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.strictObject({ Ref: z.string() }),
    z.strictObject({ 'Fn::Join': z.tuple([z.string(), z.array(value)]) }),
  ]),
);
export type TemplateValue = string | { Ref: string } | { 'Fn::Join': [string, TemplateValue[]] };

const templateSchema = z.strictObject({
  Parameters: z
    .record(z.string(), z.strictObject({ Type: z.literal('String'), Default: z.string().optional() }))
    .default({}),
  Resources: z.record(
    z.string(),
    z.discriminatedUnion('Type', [
      z.strictObject({
        Type: z.literal('AWS::IoT::Thing'),
        Properties: z.strictObject({
          ThingName: value,
          ThingTypeName: value.optional(),
          ThingGroups: z.array(value).optional(),
          AttributePayload: z.record(z.string(), value).optional(),
        }),
        OverrideSettings: z.record(z.string(), z.string()).optional(),
      }),
      z.strictObject({
        Type: z.literal('AWS::IoT::Certificate'),
        Properties: z.strictObject({ CertificateId: value, Status: value.optional() }),
      }),
      z.strictObject({
        Type: z.literal('AWS::IoT::Policy'),
        Properties: z.union([
          z.strictObject({ PolicyName: value }),
          z.strictObject({ PolicyDocument: value }),
        ]),
      }),
    ]),
  ),
});

export type ProvisioningTemplate = z.infer<typeof templateSchema>;

export const CERTIFICATE_PARAMETERS = [
  'AWS::IoT::Certificate::CommonName',
  'AWS::IoT::Certificate::Country',
  'AWS::IoT::Certificate::Organization',
  'AWS::IoT::Certificate::OrganizationalUnit',
  'AWS::IoT::Certificate::DistinguishedNameQualifier',
  'AWS::IoT::Certificate::StateName',
  'AWS::IoT::Certificate::SerialNumber',
  'AWS::IoT::Certificate::Id',
] as const;

export function parseTemplate(body: string): ProvisioningTemplate {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new IotApiError('InvalidRequestException', 'templateBody is not JSON');
  }
  const parsed = templateSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new IotApiError(
      'InvalidRequestException',
      `templateBody: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'invalid'}`,
    );
  }
  const kinds = Object.values(parsed.data.Resources).map((r) => r.Type);
  if (kinds.filter((k) => k === 'AWS::IoT::Certificate').length !== 1) {
    throw new IotApiError(
      'InvalidRequestException',
      'templateBody needs exactly one AWS::IoT::Certificate resource',
    );
  }
  return parsed.data;
}

export interface ProvisioningPlan {
  thing?: { name: string; typeName?: string; attributes: Record<string, string> };
  certificateStatus: string;
  policies: ({ name: string } | { document: string })[];
}

/** Resolves the template against the certificate's values; throws when a parameter has no value. */
export function planProvisioning(
  template: ProvisioningTemplate,
  certificateValues: Record<string, string>,
): ProvisioningPlan {
  const resolve = (v: TemplateValue): string => {
    if (typeof v === 'string') return v;
    if ('Ref' in v) {
      const declared = template.Parameters[v.Ref];
      if (declared === undefined)
        throw new IotApiError('InvalidRequestException', `template references undeclared parameter ${v.Ref}`);
      const found = certificateValues[v.Ref] ?? declared.Default;
      if (found === undefined) {
        throw new IotApiError(
          'InvalidRequestException',
          `the certificate has no value for template parameter ${v.Ref}`,
        );
      }
      return found;
    }
    const [delimiter, parts] = v['Fn::Join'];
    return parts.map(resolve).join(delimiter);
  };
  // Every declared certificate parameter must resolve even when unused, as AWS fails such templates.
  for (const name of Object.keys(template.Parameters)) resolve({ Ref: name });
  const plan: ProvisioningPlan = { certificateStatus: 'ACTIVE', policies: [] };
  for (const resource of Object.values(template.Resources)) {
    if (resource.Type === 'AWS::IoT::Thing') {
      const p = resource.Properties;
      plan.thing = {
        name: resolve(p.ThingName),
        ...(p.ThingTypeName ? { typeName: resolve(p.ThingTypeName) } : {}),
        attributes: Object.fromEntries(
          Object.entries(p.AttributePayload ?? {}).map(([k, v]) => [k, resolve(v)]),
        ),
      };
    } else if (resource.Type === 'AWS::IoT::Certificate') {
      if (resource.Properties.Status) plan.certificateStatus = resolve(resource.Properties.Status);
    } else {
      const p = resource.Properties;
      plan.policies.push(
        'PolicyName' in p ? { name: resolve(p.PolicyName) } : { document: resolve(p.PolicyDocument) },
      );
    }
  }
  return plan;
}
