/**
 * IoT resource ARNs (iot-action-resources): client/<clientId> for iot:Connect, topic/<topic> for
 * Publish/Receive/RetainPublish, topicfilter/<filter> for Subscribe. The partition is aws or aws-cn.
 */
export interface ArnScope {
  readonly partition: 'aws' | 'aws-cn';
  readonly region: string;
  readonly account: string;
}

export type IotResourceType = 'client' | 'topic' | 'topicfilter';

export function iotArn(scope: ArnScope, type: IotResourceType, name: string): string {
  return `arn:${scope.partition}:iot:${scope.region}:${scope.account}:${type}/${name}`;
}

/** Fills the {{partition}}, {{region}} and {{account}} placeholders of the repository's policy files. */
export function renderPolicyTemplate(template: string, scope: ArnScope): string {
  return template
    .replaceAll('{{partition}}', scope.partition)
    .replaceAll('{{region}}', scope.region)
    .replaceAll('{{account}}', scope.account);
}
