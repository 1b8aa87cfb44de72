/**
 * `cdk deploy` played against the rehearsal: the synthesized template's resources are created in
 * dependency order through the AWS clients, intrinsics resolved as CloudFormation does; a failure rolls
 * back what was created (DeletionPolicy Retain kept), as a failed CREATE does. docs/rehearsal.md.
 *
 * Idempotence: deploying the same template (same SHA-256, region and account) again over a
 * CREATE_COMPLETE stack changes nothing and writes the outputs again; any other existing state is
 * refused (STACK_EXISTS): destroy first. Updates in place are not rehearsed.
 */
import { createHash } from 'node:crypto';
import { CamlinkError } from '../../errors/camlink-error.js';
import { PUBLIC_FILE_MODE, writeFileAtomic } from '../../util/atomic-file.js';
import { conditionEvaluator, parameterValues, partitionOf, pseudoParameters } from './environment.js';
import { resolve, type Json, type ResolveContext } from './intrinsics.js';
import { creationOrder, dependenciesOf } from './order.js';
import type { StackClients } from './ports.js';
import { errorText, type ResourceContext } from './resources/handler.js';
import { handlers, notRehearsedTypes } from './resources/index.js';
import { deleteResource } from './destroy.js';
import { readState, removeState, writeState, type StackState, type StateResource } from './state.js';
import { invalidTemplate, type LoadedTemplate } from './template.js';

export interface DeployOptions {
  readonly loaded: LoadedTemplate;
  readonly region: string;
  readonly account: string;
  readonly clients: StackClients;
  readonly statePath: string;
  readonly outputsPath?: string;
  /** One line per step (CREATE_COMPLETE LogicalId ..., not rehearsed: ...). */
  readonly log: (line: string) => void;
}

export interface DeployReport {
  readonly outputs: Record<string, Json>;
  readonly created: string[];
  readonly notRehearsed: string[];
  readonly unchanged: boolean;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Refuses a template with a resource type the stand-in does not know, before anything is created. */
function checkTypes(loaded: LoadedTemplate): void {
  for (const [id, r] of Object.entries(loaded.template.Resources)) {
    if (r.DeletionPolicy === 'Snapshot')
      throw invalidTemplate(`resource ${id}: DeletionPolicy Snapshot is not supported by ${r.Type}`);
    if (!handlers.has(r.Type) && !notRehearsedTypes.has(r.Type))
      throw invalidTemplate(`resource ${id}: type ${r.Type} is not known to the rehearsal stand-in`);
  }
}

export async function deployStack(options: DeployOptions): Promise<DeployReport> {
  const { loaded, region, account, clients, statePath, log } = options;
  const { template, stackName } = loaded;
  checkTypes(loaded);
  const templateSha256 = sha256(JSON.stringify(template));
  const partition = partitionOf(region);

  const previous = await readState(statePath);
  if (previous !== undefined) {
    const same =
      previous.status === 'CREATE_COMPLETE' &&
      previous.templateSha256 === templateSha256 &&
      previous.region === region &&
      previous.account === account;
    if (!same) {
      throw new CamlinkError(
        'STACK_EXISTS',
        `stack ${stackName} is already deployed (${previous.status}, state ${statePath}) from another template or environment; run destroy first (updates are not rehearsed)`,
      );
    }
    log(`no changes: stack ${stackName} is deployed from this template (${statePath})`);
    await writeOutputs(options, previous.outputs);
    return { outputs: previous.outputs, created: [], notRehearsed: previous.notRehearsed, unchanged: true };
  }

  const notRehearsed: string[] = [];
  const note = (line: string) => {
    notRehearsed.push(line);
    log(`not rehearsed: ${line}`);
  };
  const parameters = parameterValues(template, note);
  const state: StackState = {
    version: 1,
    stackName,
    templateSha256,
    region,
    account,
    partition,
    status: 'CREATE_IN_PROGRESS',
    resources: [],
    outputs: {},
    notRehearsed,
  };
  const byId = new Map<string, StateResource>();
  const base: Omit<ResolveContext, 'condition'> = {
    pseudo: pseudoParameters({ stackName, region, account }),
    parameters,
    mappings: template.Mappings ?? {},
    ref: (id) => byId.get(id)?.ref,
    attr: (id, name) => byId.get(id)?.attrs[name],
  };
  const ctx: ResolveContext = { ...base, condition: conditionEvaluator(template, base) };

  const order = creationOrder(template.Resources);
  const created: string[] = [];
  for (const id of order) {
    const resource = template.Resources[id];
    if (resource === undefined) continue;
    if (resource.Condition !== undefined && !ctx.condition(resource.Condition)) {
      log(`skipped ${id} (${resource.Type}): condition ${resource.Condition} is false`);
      continue;
    }
    const resourceCtx: ResourceContext = {
      clients,
      logicalId: id,
      stackName,
      region,
      account,
      partition,
      notRehearsed: (what) => note(`${resource.Type} ${id}: ${what}`),
    };
    const entry: StateResource = {
      logicalId: id,
      type: resource.Type,
      physicalId: id,
      ref: id,
      attrs: {},
      // RetainExceptOnCreate: kept by destroy, deleted by a rollback of its creation.
      retain: resource.DeletionPolicy === 'Retain' || resource.DeletionPolicy === 'RetainExceptOnCreate',
      rehearsed: false,
      dependsOn: dependenciesOf(id, resource, template.Resources),
    };
    const handler = handlers.get(resource.Type);
    try {
      if (handler === undefined) {
        note(`${resource.Type} ${id}: ${notRehearsedTypes.get(resource.Type) ?? 'not reproduced'}`);
        // Its Ref is the logical id; what CloudFormation would name it is not known here.
        const props = resolve(ctx, `${id}.Properties`, resource.Properties ?? {}) as Record<string, Json>;
        const name = Object.entries(props).find(([k, v]) => /Name$/.test(k) && typeof v === 'string')?.[1];
        if (typeof name === 'string') entry.ref = name;
      } else {
        for (const key of Object.keys(resource.Properties ?? {})) {
          if (!(key in handler.properties)) resourceCtx.notRehearsed(`${key} (unknown to the stand-in)`);
          else if (handler.properties[key] !== undefined)
            resourceCtx.notRehearsed(`${key}: ${handler.properties[key]}`);
        }
        const props = resolve(ctx, `${id}.Properties`, resource.Properties ?? {}) as Record<string, Json>;
        const done = await handler.create(props, resourceCtx);
        Object.assign(entry, {
          physicalId: done.physicalId,
          ref: done.ref,
          attrs: { ...done.attrs },
          rehearsed: true,
        });
        if (done.undo !== undefined) entry.undo = { ...done.undo };
        created.push(id);
        log(`CREATE_COMPLETE ${id} ${resource.Type} ${done.physicalId}`);
      }
    } catch (err) {
      const reason = `CREATE_FAILED ${id} (${resource.Type}): ${errorText(err)}`;
      log(reason);
      await rollback(state, clients, options, log);
      throw new CamlinkError(
        'STACK_DEPLOY_FAILED',
        `${reason}; ${state.status === 'ROLLBACK_FAILED' ? `rollback failed, see ${statePath}` : 'rolled back'}`,
        { cause: err },
      );
    }
    byId.set(id, entry);
    state.resources.push(entry);
    await writeState(statePath, state);
  }

  const outputs: Record<string, Json> = {};
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    if (output.Condition !== undefined && !ctx.condition(output.Condition)) continue;
    outputs[key] = resolve(ctx, `Outputs.${key}`, output.Value) as Json;
  }
  state.outputs = outputs;
  state.status = 'CREATE_COMPLETE';
  await writeState(statePath, state);
  await writeOutputs(options, outputs);
  return { outputs, created, notRehearsed, unchanged: false };
}

async function writeOutputs(options: DeployOptions, outputs: Record<string, Json>): Promise<void> {
  if (options.outputsPath === undefined) return;
  // The shape of `cdk deploy --outputs-file`: {"<stack>": {OutputKey: value}} (docs/deploy.md reads
  // `.camlink.UploadQueueUrl`).
  const file = { [options.loaded.stackName]: outputs };
  await writeFileAtomic(options.outputsPath, `${JSON.stringify(file, null, 2)}\n`, {
    mode: PUBLIC_FILE_MODE,
    overwrite: true,
  });
}

/** Deletes what this deploy created, newest first; Retain resources stay (and leave the state). */
async function rollback(
  state: StackState,
  clients: StackClients,
  options: DeployOptions,
  log: (line: string) => void,
): Promise<void> {
  const left: StateResource[] = [];
  for (const r of [...state.resources].reverse()) {
    const keep = options.loaded.template.Resources[r.logicalId]?.DeletionPolicy === 'Retain';
    if (!r.rehearsed || keep) {
      if (keep) log(`retained ${r.logicalId} ${r.type} ${r.physicalId} (DeletionPolicy Retain)`);
      continue;
    }
    try {
      await deleteResource(r, clients, state, options.loaded.stackName);
      log(`ROLLBACK DELETE_COMPLETE ${r.logicalId}`);
    } catch (err) {
      log(`ROLLBACK DELETE_FAILED ${r.logicalId} (${r.type}): ${errorText(err)}`);
      left.unshift(r);
    }
  }
  state.resources = left;
  state.status = 'ROLLBACK_FAILED';
  if (left.length > 0) await writeState(options.statePath, state);
  else {
    await removeState(options.statePath);
    state.status = 'CREATE_IN_PROGRESS';
  }
}
