/**
 * Why a camera's CONNECT got it no MQTT session, in words a person can act on. An MQTT client sees only
 * a closed socket when the endpoint hangs up before CONNACK (mosquitto: "The connection was lost", with
 * -d "unexpected eof while reading"), yet the endpoint, camlink's as AWS IoT Core's, does that on purpose:
 * - the first connection of a certificate that is provisioned just in time is closed while it is;
 * - a client id may CONNECT at most once per second; the one after is closed;
 * - an identity the endpoint refuses (certificate unknown or not ACTIVE, client id not its thing name,
 *   no iot:Connect) is closed too, and only the endpoint's log says which.
 * A CONNACK with a return code (MQTT 3.1.1 §3.2.2.3) is named instead: 3 "server unavailable" is the
 * endpoint not taking devices yet (camlink up until its backend subscribed), a DEVICE_OFFLINE that passes.
 */
import { CamlinkError } from '../errors/camlink-error.js';

/** MQTT 3.1.1 CONNACK return codes (§3.2.2.3). */
export const CONNACK_RETURN_CODES: Readonly<Record<number, string>> = {
  1: 'unacceptable protocol version',
  2: 'identifier rejected',
  3: 'server unavailable',
  4: 'bad user name or password',
  5: 'not authorized',
};

/** Closes before CONNACK in a row from which provisioning and the connect quota no longer explain it. */
export const CLOSES_BEFORE_REFUSAL = 3;

const REFUSED_IDENTITY =
  'the certificate is not registered or not ACTIVE, the client id is not its thing name, or its policy does not allow iot:Connect';

export interface RefusalContext {
  /** mqtts://host:port the camera connects to. */
  readonly endpoint: string;
  readonly clientId: string;
  /** When the session tries again. */
  readonly retryInMs: number;
}

/** The endpoint closed the connection after the CONNECT without any CONNACK (`inARow`: the how-many-th). */
export function closedBeforeConnack(context: RefusalContext, inARow: number): CamlinkError {
  let message =
    `the endpoint ${context.endpoint} closed the connection before CONNACK: a new certificate's first ` +
    'connection is closed while it is provisioned (just-in-time provisioning), and a client id may ' +
    `connect at most once per second; retrying in ${seconds(context.retryInMs)}`;
  if (inARow >= CLOSES_BEFORE_REFUSAL) {
    message +=
      `. ${inARow} closes in a row are more than that: the endpoint refuses "${context.clientId}" ` +
      `(${REFUSED_IDENTITY}); its log says which (camlink up: "connection refused" with the reason; ` +
      'AWS IoT: the AWSIotLogsV2 Connect event)';
  }
  return new CamlinkError('DEVICE_CONNECT_CLOSED', message, { details: { closesInARow: inARow } });
}

/** The endpoint answered CONNACK with a non-zero return code. */
export function connackRefused(context: RefusalContext, returnCode: number): CamlinkError {
  const name = CONNACK_RETURN_CODES[returnCode] ?? 'unknown return code';
  const head = `the endpoint ${context.endpoint} answered CONNACK ${returnCode} (${name})`;
  const retry = `retrying in ${seconds(context.retryInMs)}`;
  const details = { returnCode, returnCodeName: name };
  if (returnCode === 3) {
    return new CamlinkError(
      'DEVICE_OFFLINE',
      `${head}: it is not taking devices yet (camlink up: until its backend has subscribed; AWS IoT: ` +
        `it cannot take the client now); ${retry}`,
      { details },
    );
  }
  const why: Readonly<Record<number, string>> = {
    1: 'it does not speak MQTT 3.1.1, which the camera sends',
    2: `it does not accept the client id "${context.clientId}" (a thing name: 1-128 of A-Z a-z 0-9 : _ -)`,
    4: 'it wants a user name and password, which a camera with a certificate does not send',
    5:
      `it refuses "${context.clientId}": ${REFUSED_IDENTITY}; its log says which (an endpoint that ` +
      'answers refusals with a CONNACK, broker.authFailure "connack", also answers 5 to a new ' +
      "certificate's first connection and to more than one CONNECT per second)",
  };
  return new CamlinkError(
    'DEVICE_CONNECT_REFUSED',
    `${head}: ${why[returnCode] ?? 'see its log'}; ${retry}`,
    {
      details,
    },
  );
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`;
}
