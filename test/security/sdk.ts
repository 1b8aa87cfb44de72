/** AWS SDK refusals as the suite records them: `<HTTP status> <exception name>` from the wire. */
import assert from 'node:assert/strict';

export async function sdkRefusal(attempt: Promise<unknown>, status: number, name: string): Promise<string> {
  let observed = '';
  await assert.rejects(attempt, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    observed = `${err.$metadata?.httpStatusCode ?? '?'} ${err.name}`;
    return true;
  });
  assert.equal(observed, `${status} ${name}`);
  return observed;
}
