/**
 * `cdk destroy` played against the rehearsal: the recorded resources are deleted newest first, as
 * CloudFormation deletes in reverse dependency order. DeletionPolicy Retain resources are kept. A
 * deletion that fails (e.g. IoT DeletePolicy while the policy is attached: DeleteConflictException)
 * makes the stack DELETE_FAILED: what it depends on is kept too, the state file keeps every resource
 * not deleted, and the command exits non-zero naming the resource; fix it and run destroy again.
 */
import { CamlinkError } from '../../errors/camlink-error.js';
import type { StackClients } from './ports.js';
import { errorText, type ResourceContext } from './resources/handler.js';
import { handlers } from './resources/index.js';
import { readState, removeState, writeState, type StackState, type StateResource } from './state.js';

export interface DestroyOptions {
  readonly stackName: string;
  readonly clients: StackClients;
  readonly statePath: string;
  readonly log: (line: string) => void;
}

export interface DestroyReport {
  readonly deleted: string[];
  readonly retained: string[];
  /** True when no state file existed (nothing deployed: nothing to do, as cdk destroy of no stack). */
  readonly absent: boolean;
}

export async function deleteResource(
  r: StateResource,
  clients: StackClients,
  state: Pick<StackState, 'region' | 'account' | 'partition'>,
  stackName: string,
): Promise<void> {
  const handler = handlers.get(r.type);
  if (handler === undefined) return;
  const ctx: ResourceContext = {
    clients,
    logicalId: r.logicalId,
    stackName,
    region: state.region,
    account: state.account,
    partition: state.partition,
    notRehearsed: () => undefined,
  };
  await handler.delete(
    {
      physicalId: r.physicalId,
      ref: r.ref,
      attrs: r.attrs,
      ...(r.undo === undefined ? {} : { undo: r.undo }),
    },
    ctx,
  );
}

export async function destroyStack(options: DestroyOptions): Promise<DestroyReport> {
  const { clients, statePath, log, stackName } = options;
  const state = await readState(statePath);
  if (state === undefined) {
    log(`stack ${stackName} is not deployed (no state ${statePath}): nothing to delete`);
    return { deleted: [], retained: [], absent: true };
  }
  const deleted: string[] = [];
  const retained: string[] = [];
  const failed: string[] = [];
  const kept: StateResource[] = [];
  // What a resource that stays still needs must stay too.
  const needed = new Set<string>();
  for (const r of [...state.resources].reverse()) {
    if (needed.has(r.logicalId)) {
      log(`DELETE_SKIPPED ${r.logicalId} (${r.type}): a resource that was not deleted depends on it`);
      kept.unshift(r);
      for (const d of r.dependsOn) needed.add(d);
      continue;
    }
    if (r.retain) {
      log(`retained ${r.logicalId} ${r.type} ${r.physicalId} (DeletionPolicy Retain)`);
      retained.push(r.logicalId);
      continue;
    }
    if (!r.rehearsed) continue;
    try {
      await deleteResource(r, clients, state, stackName);
      deleted.push(r.logicalId);
      log(`DELETE_COMPLETE ${r.logicalId} ${r.type} ${r.physicalId}`);
    } catch (err) {
      const line = `DELETE_FAILED ${r.logicalId} (${r.type} ${r.physicalId}): ${errorText(err)}`;
      log(line);
      failed.push(line);
      kept.unshift(r);
      for (const d of r.dependsOn) needed.add(d);
    }
    // Recorded after each step, so a crash never forgets a resource or re-deletes one.
    state.resources = [...state.resources.filter((x) => x.logicalId !== r.logicalId || kept.includes(x))];
    await writeState(statePath, state);
  }
  if (failed.length > 0) {
    state.resources = kept;
    state.status = 'DELETE_FAILED';
    await writeState(statePath, state);
    throw new CamlinkError(
      'STACK_DESTROY_FAILED',
      `stack ${stackName} DELETE_FAILED: ${failed.join('; ')} (state kept in ${statePath})`,
    );
  }
  await removeState(statePath);
  return { deleted, retained, absent: false };
}
