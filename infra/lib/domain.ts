/**
 * An optional custom domain for the MQTT data endpoint (reference/aws-iot-peers.md 1.10): an ACM
 * certificate validated in a Route 53 hosted zone, an IoT domain configuration (service type DATA)
 * serving it, and a CNAME from the domain to the account's iot:Data-ATS endpoint. Cameras must then
 * send the custom domain as SNI.
 *
 * AWS China (1.13): the China IoT feature page lists "Configurable endpoints" (custom domains, domain
 * configurations) as not supported, so the construct refuses any aws-cn region outright, whatever the
 * ICP status (`icpFiled` is still accepted and ignored, so old command lines parse). Devices in China
 * use the AWS-owned <prefix>.ats.iot.cn-north-1.amazonaws.com.cn endpoint.
 */
import { Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as iot from 'aws-cdk-lib/aws-iot';
import * as route53 from 'aws-cdk-lib/aws-route53';
import { Construct } from 'constructs';
import { isChinaRegion } from './arn-scope.js';

export const CHINA_CUSTOM_DOMAIN_MESSAGE =
  'AWS IoT in China does not support configurable endpoints, so a custom data domain cannot be served ' +
  'there (an ICP recordal does not change that: -c icpFiled=true no longer enables anything in China); ' +
  'leave domainName unset and use the amazonaws.com.cn endpoint';

export interface CamlinkCustomDomainProps {
  /** The custom domain cameras connect to, e.g. iot.example.com. */
  readonly domainName: string;
  /** The Route 53 hosted zone that holds the domain (used for DNS validation and the CNAME). */
  readonly hostedZoneId: string;
  /** The hosted zone's name, e.g. example.com. */
  readonly zoneName: string;
  /**
   * The account's iot:Data-ATS endpoint (`aws iot describe-endpoint --endpoint-type iot:Data-ATS`);
   * a prop because it cannot be looked up at synth time without credentials.
   */
  readonly iotEndpoint: string;
  /**
   * Ignored: it used to enable a custom domain in aws-cn, which AWS China does not support. Kept so
   * older callers compile.
   * @deprecated a custom domain is refused in aws-cn whatever its value
   */
  readonly icpFiled?: boolean;
  /**
   * The IoT domain configuration's name (names starting with `IoT:` are reserved).
   * @default 'camlink-data'
   */
  readonly domainConfigurationName?: string;
}

export class CamlinkCustomDomain extends Construct {
  readonly certificate: acm.Certificate;
  readonly domainConfiguration: iot.CfnDomainConfiguration;
  readonly record: route53.CnameRecord;

  constructor(scope: Construct, id: string, props: CamlinkCustomDomainProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    if (isChinaRegion(region)) throw new Error(`${region}: ${CHINA_CUSTOM_DOMAIN_MESSAGE}`);
    const name = props.domainConfigurationName ?? 'camlink-data';
    if (name.startsWith('IoT:')) {
      throw new Error(`domain configuration names starting with "IoT:" are reserved: ${name}`);
    }
    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: props.hostedZoneId,
      zoneName: props.zoneName,
    });
    this.certificate = new acm.Certificate(this, 'Certificate', {
      domainName: props.domainName,
      validation: acm.CertificateValidation.fromDns(zone),
    });
    this.domainConfiguration = new iot.CfnDomainConfiguration(this, 'DomainConfiguration', {
      domainConfigurationName: name,
      domainName: props.domainName,
      serviceType: 'DATA',
      serverCertificateArns: [this.certificate.certificateArn],
    });
    this.record = new route53.CnameRecord(this, 'Cname', {
      zone,
      recordName: props.domainName,
      domainName: props.iotEndpoint,
    });
  }
}
