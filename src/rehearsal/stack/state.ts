/**
 * What the stand-in created for a stack, kept in a JSON file (default: next to the template,
 * <stack>.stack-state.json) so destroy knows what to delete, and in which order, after the deploy's
 * process ended. Written after every resource, so a crash leaves nothing unrecorded.
 */
import { readFile, rm } from 'node:fs/promises';
import { z } from 'zod';
import { CamlinkError } from '../../errors/camlink-error.js';
import { PUBLIC_FILE_MODE, writeFileAtomic } from '../../util/atomic-file.js';
import type { Json } from './intrinsics.js';

export interface StateResource {
  logicalId: string;
  type: string;
  physicalId: string;
  ref: Json;
  attrs: Record<string, Json>;
  undo?: Record<string, Json>;
  /** DeletionPolicy Retain: kept by destroy. */
  retain: boolean;
  /** A known type the rehearsal does not reproduce: nothing to delete. */
  rehearsed: boolean;
  dependsOn: string[];
}

export interface StackState {
  version: 1;
  stackName: string;
  templateSha256: string;
  region: string;
  account: string;
  partition: string;
  status: 'CREATE_IN_PROGRESS' | 'CREATE_COMPLETE' | 'ROLLBACK_FAILED' | 'DELETE_FAILED';
  /** In creation order. */
  resources: StateResource[];
  outputs: Record<string, Json>;
  notRehearsed: string[];
}

const stateSchema = z.object({
  version: z.literal(1),
  stackName: z.string(),
  templateSha256: z.string(),
  region: z.string(),
  account: z.string(),
  partition: z.string(),
  status: z.enum(['CREATE_IN_PROGRESS', 'CREATE_COMPLETE', 'ROLLBACK_FAILED', 'DELETE_FAILED']),
  resources: z.array(
    z.object({
      logicalId: z.string(),
      type: z.string(),
      physicalId: z.string(),
      ref: z.json(),
      attrs: z.record(z.string(), z.json()),
      undo: z.record(z.string(), z.json()).optional(),
      retain: z.boolean(),
      rehearsed: z.boolean(),
      dependsOn: z.array(z.string()),
    }),
  ),
  outputs: z.record(z.string(), z.json()),
  notRehearsed: z.array(z.string()),
});

export async function readState(path: string): Promise<StackState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CamlinkError('FILE_UNREADABLE', `cannot read stack state ${path}: ${(err as Error).message}`);
  }
  let parsed;
  try {
    parsed = stateSchema.safeParse(JSON.parse(text));
  } catch (err) {
    throw new CamlinkError('FILE_UNREADABLE', `stack state ${path} is not JSON: ${(err as Error).message}`);
  }
  if (!parsed.success)
    throw new CamlinkError('FILE_UNREADABLE', `stack state ${path} is not a stand-in state file`);
  return parsed.data;
}

export async function writeState(path: string, state: StackState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`, {
    mode: PUBLIC_FILE_MODE,
    overwrite: true,
  });
}

export async function removeState(path: string): Promise<void> {
  await rm(path, { force: true });
}
