/**
 * Bounds MQTT packets before they are buffered. The MQTT 3.1.1 fixed header (section 2.2) is one type
 * byte and a Remaining Length of 1-4 bytes, 7 bits each, least significant first (2.2.3). The guard
 * follows packet boundaries across chunks without copying and reports the first packet whose
 * Remaining Length exceeds the limit, so a 256 MB PUBLISH is refused after 5 bytes, not after 256 MB.
 */
const enum State {
  Type,
  Length,
  Body,
}

export class MqttPacketGuard {
  private state = State.Type;
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(private readonly maxRemainingLength: number) {}

  /** Scans `chunk`; returns why the stream must be refused, or undefined while it is within bounds. */
  feed(chunk: Uint8Array): string | undefined {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case State.Type:
          this.state = State.Length;
          this.length = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          i++;
          break;
        case State.Length: {
          const byte = chunk[i++] ?? 0;
          this.lengthBytes++;
          this.length += (byte & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          if (this.length > this.maxRemainingLength) {
            return `packet remaining length ${this.length}+ exceeds the limit of ${this.maxRemainingLength} bytes`;
          }
          if (byte & 0x80) {
            if (this.lengthBytes === 4) return 'malformed remaining length (more than 4 bytes) [MQTT-2.2.3]';
          } else if (this.length === 0) {
            this.state = State.Type;
          } else {
            this.state = State.Body;
            this.remaining = this.length;
          }
          break;
        }
        case State.Body: {
          const take = Math.min(this.remaining, chunk.length - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = State.Type;
          break;
        }
      }
    }
    return undefined;
  }
}
