/**
 * Device ids are AWS IoT thing names and the certificate CN: 1-128 characters of [a-zA-Z0-9:_-]
 * (CreateThing's thingName pattern). That rule keeps MQTT wildcards (+ #) and the level separator (/)
 * out of ids, so an id substituted into a topic filter can never widen it.
 */
import { CamlinkError } from '../errors/camlink-error.js';

export const THING_NAME_MAX_LENGTH = 128;
const THING_NAME = /^[a-zA-Z0-9:_-]+$/;

/** Throws DEVICE_ID_INVALID unless `id` is a thing name that also matches the operator's pattern. */
export function assertDeviceId(id: string, operatorPattern?: RegExp): void {
  const shown = id.length > 40 ? `${id.slice(0, 40)}...` : id;
  if (id.length === 0) throw new CamlinkError('DEVICE_ID_INVALID', 'device id is empty');
  if (id.length > THING_NAME_MAX_LENGTH) {
    throw new CamlinkError(
      'DEVICE_ID_INVALID',
      `device id "${shown}" is ${id.length} characters; the limit is ${THING_NAME_MAX_LENGTH}`,
    );
  }
  const bad = [...id].find((ch) => !THING_NAME.test(ch));
  if (bad !== undefined) {
    throw new CamlinkError(
      'DEVICE_ID_INVALID',
      `device id "${shown}" contains ${JSON.stringify(bad)}; allowed are A-Z a-z 0-9 : _ -`,
    );
  }
  if (operatorPattern !== undefined && !operatorPattern.test(id)) {
    throw new CamlinkError(
      'DEVICE_ID_INVALID',
      `device id "${shown}" does not match the configured pattern ${operatorPattern.source}`,
    );
  }
}
