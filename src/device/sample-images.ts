/**
 * Pictures for the simulated camera: one small valid baseline JPEG (16x16, JFIF, made once with
 * libjpeg-turbo's cjpeg) and "captures" made from it by adding a JPEG comment segment (COM, 0xFFFE,
 * ITU T.81 §B.2.4.5) after the JFIF header, so each capture is a distinct, still valid JPEG.
 */
const BASE_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAUDBAQEAwUEBAQFBQUGBwwIBwcHBw8LCwkMEQ8SEhEPERETFhwXExQaFRERGCEYGh0dHx8fExciJCIeJBweHx7/2wBDAQUFBQcGBw4ICA4eFBEUHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh7/wAARCAAQABADASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAABgf/xAAZEAABBQAAAAAAAAAAAAAAAAAABQYjMqH/xAAVAQEBAAAAAAAAAAAAAAAAAAADBv/EABoRAAICAwAAAAAAAAAAAAAAAAAGBSEiMTL/2gAMAwEAAhEDEQA/AI+hNSseD1CalY8HaE1KxYPUJqVjwoJRn3YSK485H//Z',
  'base64',
);

export const SAMPLE_JPEG_WIDTH = 16;
export const SAMPLE_JPEG_HEIGHT = 16;

/** A valid JPEG whose bytes differ by `comment` (at most 65,533 bytes of it). */
export function sampleJpeg(comment = ''): Buffer {
  if (comment === '') return Buffer.from(BASE_JPEG);
  const text = Buffer.from(comment, 'utf8');
  if (text.length > 65_533) throw new RangeError('a JPEG comment holds at most 65,533 bytes');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  // After SOI and the JFIF APP0 segment, which JFIF wants first.
  const at = 4 + BASE_JPEG.readUInt16BE(4);
  return Buffer.concat([BASE_JPEG.subarray(0, at), segment, text, BASE_JPEG.subarray(at)]);
}

const COM_MAX_PAYLOAD = 65_533;

/**
 * A valid JPEG of exactly `size` bytes (at least the base picture's): the base picture with as many
 * COM segments of random filler as it takes, so large uploads (bench: 1 MB, 10 MB) still decode.
 */
export function sizedJpeg(size: number, fill: (n: number) => Buffer): Buffer {
  const at = 4 + BASE_JPEG.readUInt16BE(4);
  if (!Number.isSafeInteger(size) || size < BASE_JPEG.length) {
    throw new RangeError(`a sized JPEG has at least ${BASE_JPEG.length} bytes`);
  }
  const segments: Buffer[] = [];
  let missing = size - BASE_JPEG.length;
  while (missing > 0) {
    // A segment costs 4 bytes of header; never leave fewer than 4 bytes for the next one.
    let payload = Math.min(COM_MAX_PAYLOAD, missing - 4);
    if (missing - (payload + 4) > 0 && missing - (payload + 4) < 4) payload -= 4;
    if (payload < 0) throw new RangeError(`cannot pad a JPEG by ${missing} bytes`);
    const header = Buffer.alloc(4);
    header.writeUInt16BE(0xfffe, 0);
    header.writeUInt16BE(payload + 2, 2);
    segments.push(header, fill(payload));
    missing -= payload + 4;
  }
  return Buffer.concat([BASE_JPEG.subarray(0, at), ...segments, BASE_JPEG.subarray(at)]);
}

/** SOI at the start, EOI at the end: the cheap structural check a camera makes of its own files. */
export function looksLikeJpeg(bytes: Uint8Array): boolean {
  const n = bytes.length;
  return n >= 4 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[n - 2] === 0xff && bytes[n - 1] === 0xd9;
}
