/** (a) The account's ATS data endpoint: DescribeEndpoint iot:Data-ATS answers with an address. */
import { DescribeEndpointCommand, type IoTClient } from '@aws-sdk/client-iot';
import { errorResult, result, type CheckResult } from './check.js';

export const DATA_ENDPOINT_CHECK = 'data-endpoint';

export async function checkDataEndpoint(iot: IoTClient): Promise<CheckResult> {
  try {
    const answer = await iot.send(new DescribeEndpointCommand({ endpointType: 'iot:Data-ATS' }));
    if (!answer.endpointAddress) {
      return result(DATA_ENDPOINT_CHECK, 'MISSING', 'DescribeEndpoint iot:Data-ATS answered no address');
    }
    return result(DATA_ENDPOINT_CHECK, 'OK', `iot:Data-ATS ${answer.endpointAddress}`);
  } catch (err) {
    return errorResult(DATA_ENDPOINT_CHECK, 'DescribeEndpoint', err);
  }
}
