/**
 * Policy variables (basic-policy-variables, thing-policy-variables, cert-policy-variables): each
 * ${name} in a resource is replaced by the connection's value. Thing variables resolve only when the
 * client id equals the thing name (AWS's rule); a statement whose variable does not resolve is left out,
 * so it can neither allow nor deny. Values are literal text: a * or ? in a value never acts as a wildcard.
 */
export interface PolicyContext {
  readonly clientId: string;
  readonly thingName?: string | undefined;
  readonly thingTypeName?: string | undefined;
  readonly thingAttributes?: Readonly<Record<string, string>> | undefined;
  /** Whether the certificate is attached to the thing (iot:Connection.Thing.IsAttached). */
  readonly isAttached?: boolean | undefined;
  readonly certificateId?: string | undefined;
  readonly subjectCommonName?: string | undefined;
  readonly issuerCommonName?: string | undefined;
  readonly sourceIp?: string | undefined;
  /** Further variables by full name, e.g. `credentials-iot:ThingName` in an assumed role's policy. */
  readonly variables?: Readonly<Record<string, string>> | undefined;
}

/** The value of one variable or condition key, or undefined when it does not resolve here. */
export function resolveVariable(name: string, ctx: PolicyContext): string | undefined {
  const thingBound = ctx.thingName !== undefined && ctx.thingName === ctx.clientId;
  switch (name) {
    case 'iot:ClientId':
      return ctx.clientId;
    case 'iot:Connection.Thing.ThingName':
      return thingBound ? ctx.thingName : undefined;
    case 'iot:Connection.Thing.ThingTypeName':
      return thingBound ? ctx.thingTypeName : undefined;
    case 'iot:Connection.Thing.IsAttached':
      return thingBound ? String(ctx.isAttached === true) : 'false';
    case 'iot:Certificate.Subject.CommonName':
      return ctx.subjectCommonName;
    case 'iot:Certificate.Issuer.CommonName':
      return ctx.issuerCommonName;
    case 'iot:CertificateId':
      return ctx.certificateId;
    case 'aws:SourceIp':
      return ctx.sourceIp;
    default: {
      const attribute = /^iot:Connection\.Thing\.Attributes\[([^\]]+)\]$/.exec(name);
      if (attribute?.[1] !== undefined && thingBound) return ctx.thingAttributes?.[attribute[1]];
      return ctx.variables?.[name];
    }
  }
}
