/**
 * MQTT topic names and filters, MQTT 3.1.1 section 4.7 (Topic Names and Topic Filters), with the AWS IoT
 * limits from "AWS IoT Core message broker and protocol limits" (topic at most 256 bytes and 7 slashes).
 * Used by the rules engine for the FROM clause and for republish targets.
 */

/** AWS IoT: a topic (and so a filter) is at most 256 bytes of UTF-8. */
export const TOPIC_MAX_BYTES = 256;
/** AWS IoT: at most 7 forward slashes, that is 8 levels. */
export const TOPIC_MAX_LEVELS = 8;

function commonProblem(value: string, kind: string): string | undefined {
  if (value.length === 0) return `${kind} is empty`; // [MQTT-4.7.3-1]
  if (value.includes('\u0000')) return `${kind} contains the null character`; // [MQTT-4.7.3-2]
  const bytes = Buffer.byteLength(value, 'utf8');
  if (bytes > TOPIC_MAX_BYTES) return `${kind} is ${bytes} bytes; the limit is ${TOPIC_MAX_BYTES}`;
  const levels = value.split('/').length;
  if (levels > TOPIC_MAX_LEVELS) return `${kind} has ${levels} levels; the limit is ${TOPIC_MAX_LEVELS}`;
  return undefined;
}

/**
 * Why `filter` is not a valid topic filter, or undefined when it is. `#` must be a whole level and the
 * last one [MQTT-4.7.1-2]; `+` must be a whole level [MQTT-4.7.1-3].
 */
export function topicFilterProblem(filter: string): string | undefined {
  const common = commonProblem(filter, 'topic filter');
  if (common !== undefined) return common;
  const levels = filter.split('/');
  for (const [index, level] of levels.entries()) {
    if (level.includes('#') && (level !== '#' || index !== levels.length - 1)) {
      return `"#" must be a whole level and the last one (level ${index + 1} is "${level}")`;
    }
    if (level.includes('+') && level !== '+') {
      return `"+" must be a whole level (level ${index + 1} is "${level}")`;
    }
  }
  return undefined;
}

/** Why `topic` is not a valid topic name to publish to, or undefined when it is. */
export function topicNameProblem(topic: string): string | undefined {
  const common = commonProblem(topic, 'topic');
  if (common !== undefined) return common;
  if (topic.includes('+') || topic.includes('#')) return 'topic contains a wildcard (+ or #)'; // [MQTT-3.3.2-2]
  return undefined;
}

/**
 * Whether `topic` matches `filter` (MQTT 3.1.1 section 4.7.1). The filter must be valid (see
 * topicFilterProblem); levels are compared case-sensitively and empty levels count. Topics starting
 * with `$` are not matched by a filter starting with a wildcard [MQTT-4.7.2-1].
 */
export function matchesTopicFilter(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const filterLevels = filter.split('/');
  const topicLevels = topic.split('/');
  for (const [index, level] of filterLevels.entries()) {
    // "sport/#" also matches "sport": '#' covers the parent level and any number of children.
    if (level === '#' && index === filterLevels.length - 1) return true;
    const topicLevel = topicLevels[index];
    if (topicLevel === undefined) return false;
    if (level !== '+' && level !== topicLevel) return false;
  }
  return topicLevels.length === filterLevels.length;
}
