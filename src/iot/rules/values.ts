/**
 * Values of the AWS IoT SQL subset (AWS IoT Developer Guide, "Data types"): the JSON types plus
 * Undefined, the "not a value" that a missing field or an invalid function call yields. Undefined is
 * represented by `undefined` and is never serialized: an output key whose value is Undefined is left out.
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type SqlValue = JsonValue | undefined;

/** The message a rule sees (AWS IoT: an MQTT PUBLISH that reached the broker). */
export interface RuleMessage {
  /** The topic name the message was published to. */
  readonly topic: string;
  /** The raw payload; parsed as JSON only when it is a UTF-8 JSON object. */
  readonly payload: Buffer;
  /** The MQTT client id of the publisher; clientid() is 'n/a' without it. */
  readonly clientId?: string;
  /** The publisher's certificate thumbprint; principal() is Undefined without it. */
  readonly principal?: string;
  /** Milliseconds since the epoch when the broker received the message (its injected clock). */
  readonly timestamp: number;
}

export function isJsonObject(value: SqlValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
