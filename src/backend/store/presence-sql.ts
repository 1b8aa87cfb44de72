/**
 * The devices' last MQTT presence in the backend store (columns of `devices`, migration 3), kept apart
 * from sql-store.ts: compare-and-set recording, so an older lifecycle event never overwrites a newer one,
 * and batch reads for the device lists.
 */
import type { Row, SqlExecutor } from './driver.js';
import { num, optStr, str } from './sql-store.js';
import type { DevicePresence, PresenceResult } from './types.js';

const PRESENCE_COLUMNS = 'device_id, presence_state, presence_version, presence_at';
/** Compare-and-set rounds before recordPresence gives up (each lost round means another writer won). */
const PRESENCE_CAS_ATTEMPTS = 8;
/** Device ids per findPresence statement. */
const PRESENCE_SLICE = 500;

export async function recordPresence(
  db: SqlExecutor,
  deviceId: string,
  presence: DevicePresence,
  isNewer: (event: DevicePresence, stored: DevicePresence | undefined) => boolean,
): Promise<PresenceResult> {
  // Compare-and-set on the three columns: a concurrent writer makes the UPDATE miss, then we look again.
  for (let attempt = 0; attempt < PRESENCE_CAS_ATTEMPTS; attempt++) {
    const [row] = await db.query(`SELECT ${PRESENCE_COLUMNS} FROM devices WHERE device_id = $1`, [deviceId]);
    if (row === undefined) return 'no-such-device';
    const stored = toPresence(row);
    if (!isNewer(presence, stored)) return 'stale';
    const changed = await db.run(
      `UPDATE devices SET presence_state = $2, presence_version = $3, presence_at = $4
         WHERE device_id = $1 AND COALESCE(presence_state, '') = $5
           AND COALESCE(presence_version, -1) = $6 AND COALESCE(presence_at, -1) = $7`,
      [
        deviceId,
        presence.state,
        presence.version,
        presence.at,
        stored?.state ?? '',
        stored?.version ?? -1,
        stored?.at ?? -1,
      ],
    );
    if (changed === 1) return 'recorded';
  }
  throw new Error(`presence of ${deviceId} kept changing under ${PRESENCE_CAS_ATTEMPTS} attempts`);
}

export async function findPresence(
  db: SqlExecutor,
  deviceIds: readonly string[],
): Promise<Map<string, DevicePresence>> {
  const found = new Map<string, DevicePresence>();
  // In slices: both databases cap the number of parameters of one statement.
  for (let i = 0; i < deviceIds.length; i += PRESENCE_SLICE) {
    const slice = deviceIds.slice(i, i + PRESENCE_SLICE);
    const marks = slice.map((_, n) => `$${n + 1}`).join(', ');
    const rows = await db.query(
      `SELECT ${PRESENCE_COLUMNS} FROM devices WHERE device_id IN (${marks}) AND presence_state IS NOT NULL`,
      slice,
    );
    for (const row of rows) {
      const presence = toPresence(row);
      if (presence !== undefined) found.set(str(row.device_id), presence);
    }
  }
  return found;
}

function toPresence(row: Row): DevicePresence | undefined {
  const state = optStr(row.presence_state);
  if (state === undefined) return undefined;
  return {
    state: state === 'online' ? 'online' : 'offline',
    version: num(row.presence_version),
    at: num(row.presence_at),
  };
}
