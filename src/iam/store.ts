/**
 * IAM roles, their inline policies and their attached AWS-managed policies, persisted in SQLite and
 * validated as IAM validates them (IAM API Reference and "IAM and AWS STS quotas"): names, paths,
 * descriptions, MaxSessionDuration, policy grammar and sizes, per-account and per-role quotas.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../util/clock.js';
import { openIamDb, type Db } from './db.js';
import { IamError } from './errors.js';
import { managedPolicy } from './managed-policies.js';
import { parseIamPolicy, policySize } from './policy-grammar.js';
import type { RoleDirectory, RoleRecord } from './role-directory.js';

export const IAM_LIMITS = {
  /** Roles per account (IAM default quota). */
  rolesPerAccount: 1000,
  /** Managed policies attached to one role (IAM default quota). */
  managedPoliciesPerRole: 10,
  /** Trust policy length without whitespace (IAM default quota). */
  trustPolicyChars: 2048,
  /** All inline policies of one role together, without whitespace. */
  inlinePolicyChars: 10_240,
  /** A request parameter holding a policy document (API constraint). */
  policyDocumentMaxLength: 131_072,
} as const;

const NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const PATH = /^(\/|\/[\u0021-\u007E]{1,510}\/)$/;
/** IAM's Description pattern: tab, LF, CR, printable ASCII and Latin-1, up to 1000 characters. */
function validDescription(text: string): boolean {
  return (
    text.length <= 1000 &&
    [...text].every((c) => {
      const code = c.charCodeAt(0);
      return (
        code === 9 ||
        code === 10 ||
        code === 13 ||
        (code >= 0x20 && code <= 0x7e) ||
        (code >= 0xa1 && code <= 0xff)
      );
    })
  );
}
const ROLE_ARN = /^arn:(aws|aws-cn):iam::(\d{12}):role(\/(?:[\u0021-\u007E]*\/)?)([\w+=,.@-]{1,64})$/;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

interface RoleRow {
  name_key: string;
  name: string;
  path: string;
  role_id: string;
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  created_at: number;
}

export interface Role {
  readonly path: string;
  readonly roleName: string;
  readonly roleId: string;
  readonly arn: string;
  readonly createDate: Date;
  readonly assumeRolePolicyDocument: string;
  readonly description: string | undefined;
  readonly maxSessionDuration: number;
}

export interface CreateRoleInput {
  readonly roleName: string;
  readonly assumeRolePolicyDocument: string;
  readonly path?: string | undefined;
  readonly description?: string | undefined;
  readonly maxSessionDuration?: number | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly marker: string | undefined;
}

export interface IamScope {
  readonly partition: 'aws' | 'aws-cn';
  readonly account: string;
}

export function validationError(field: string, value: string, constraint: string): IamError {
  return new IamError(
    'ValidationError',
    `1 validation error detected: Value '${value}' at '${field}' failed to satisfy constraint: ${constraint}`,
  );
}

function checkName(field: string, value: string, pattern: RegExp, max: number): void {
  if (value.length < 1 || value.length > max) {
    throw validationError(field, value, `Member must have length less than or equal to ${max}`);
  }
  if (!pattern.test(value)) {
    throw validationError(field, value, 'Member must satisfy regular expression pattern: [\\w+=,.@-]+');
  }
}

function checkDocument(field: string, text: string): void {
  if (text.length < 1 || text.length > IAM_LIMITS.policyDocumentMaxLength) {
    throw validationError(
      field,
      '...',
      `Member must have length between 1 and ${IAM_LIMITS.policyDocumentMaxLength}`,
    );
  }
}

function noSuchRole(name: string): IamError {
  return new IamError('NoSuchEntity', `The role with name ${name} cannot be found.`);
}

export class IamStore implements RoleDirectory {
  private constructor(
    private readonly db: Db,
    readonly scope: IamScope,
    private readonly clock: Clock,
  ) {}

  static open(path: string, scope: IamScope, clock: Clock): IamStore {
    return new IamStore(openIamDb(path), scope, clock);
  }

  close(): void {
    this.db.close();
  }

  private arnOf(row: Pick<RoleRow, 'path' | 'name'>): string {
    return `arn:${this.scope.partition}:iam::${this.scope.account}:role${row.path}${row.name}`;
  }

  private toRole(row: RoleRow): Role {
    return {
      path: row.path,
      roleName: row.name,
      roleId: row.role_id,
      arn: this.arnOf(row),
      createDate: new Date(row.created_at),
      assumeRolePolicyDocument: row.trust_policy,
      description: row.description ?? undefined,
      maxSessionDuration: row.max_session_duration,
    };
  }

  private row(roleName: string): RoleRow {
    checkName('roleName', roleName, NAME, 64);
    const row = this.db.prepare(`SELECT * FROM roles WHERE name_key = ?`).get(roleName.toLowerCase()) as
      RoleRow | undefined;
    // IAM does not distinguish role names by case.
    if (row === undefined) throw noSuchRole(roleName);
    return row;
  }

  private checkTrust(text: string): void {
    checkDocument('assumeRolePolicyDocument', text);
    parseIamPolicy(text, 'trust');
    if (policySize(text) > IAM_LIMITS.trustPolicyChars) {
      throw new IamError(
        'LimitExceeded',
        `Cannot exceed quota for ACLSizePerRole: ${IAM_LIMITS.trustPolicyChars}`,
      );
    }
  }

  createRole(input: CreateRoleInput): Role {
    checkName('roleName', input.roleName, NAME, 64);
    const path = input.path ?? '/';
    if (path.length > 512 || !PATH.test(path)) {
      throw validationError(
        'path',
        path,
        'Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)',
      );
    }
    if (input.description !== undefined && !validDescription(input.description)) {
      throw validationError(
        'description',
        input.description,
        'Member must have length less than or equal to 1000 and printable characters',
      );
    }
    const max = input.maxSessionDuration ?? 3600;
    if (!Number.isInteger(max) || max < 3600 || max > 43_200) {
      throw validationError(
        'maxSessionDuration',
        String(max),
        'Member must have value between 3600 and 43200',
      );
    }
    this.checkTrust(input.assumeRolePolicyDocument);
    const key = input.roleName.toLowerCase();
    return this.db.transaction(() => {
      if (this.db.prepare(`SELECT 1 FROM roles WHERE name_key = ?`).get(key) !== undefined) {
        throw new IamError('EntityAlreadyExists', `Role with name ${input.roleName} already exists.`);
      }
      const { n } = this.db.prepare(`SELECT count(*) AS n FROM roles`).get() as { n: number };
      if (n >= IAM_LIMITS.rolesPerAccount) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for RolesPerAccount: ${IAM_LIMITS.rolesPerAccount}`,
        );
      }
      const row: RoleRow = {
        name_key: key,
        name: input.roleName,
        path,
        role_id: `AROA${[...randomBytes(17)].map((b) => ID_ALPHABET[b % 32]).join('')}`,
        trust_policy: input.assumeRolePolicyDocument,
        description: input.description ?? null,
        max_session_duration: max,
        // IAM reports CreateDate in whole seconds.
        created_at: Math.floor(this.clock.now().getTime() / 1000) * 1000,
      };
      this.db
        .prepare(
          `INSERT INTO roles (name_key, name, path, role_id, trust_policy, description, max_session_duration, created_at)
           VALUES (@name_key, @name, @path, @role_id, @trust_policy, @description, @max_session_duration, @created_at)`,
        )
        .run(row);
      return this.toRole(row);
    })();
  }

  getRole(roleName: string): Role {
    return this.toRole(this.row(roleName));
  }

  listRoles(pathPrefix: string, marker: string | undefined, maxItems: number): Page<Role> {
    const rows = this.db
      .prepare(`SELECT * FROM roles WHERE path LIKE ? ESCAPE '\\' AND name_key > ? ORDER BY name_key LIMIT ?`)
      .all(`${pathPrefix.replace(/[\\%_]/g, '\\$&')}%`, decodeMarker(marker), maxItems + 1) as RoleRow[];
    return page(
      rows.map((r) => this.toRole(r)),
      maxItems,
      (r) => r.roleName.toLowerCase(),
    );
  }

  deleteRole(roleName: string): void {
    const row = this.row(roleName);
    const inline = this.db
      .prepare(`SELECT 1 FROM role_policies WHERE role_key = ? LIMIT 1`)
      .get(row.name_key);
    if (inline !== undefined) {
      throw new IamError('DeleteConflict', 'Cannot delete entity, must delete policies first.');
    }
    const attached = this.db
      .prepare(`SELECT 1 FROM role_attachments WHERE role_key = ? LIMIT 1`)
      .get(row.name_key);
    if (attached !== undefined) {
      throw new IamError('DeleteConflict', 'Cannot delete entity, must detach all policies first.');
    }
    this.db.prepare(`DELETE FROM roles WHERE name_key = ?`).run(row.name_key);
  }

  updateAssumeRolePolicy(roleName: string, document: string): void {
    const row = this.row(roleName);
    this.checkTrust(document);
    this.db.prepare(`UPDATE roles SET trust_policy = ? WHERE name_key = ?`).run(document, row.name_key);
  }

  putRolePolicy(roleName: string, policyName: string, document: string): void {
    const row = this.row(roleName);
    checkName('policyName', policyName, POLICY_NAME, 128);
    checkDocument('policyDocument', document);
    parseIamPolicy(document, 'permission');
    this.db.transaction(() => {
      const others = this.db
        .prepare(`SELECT document FROM role_policies WHERE role_key = ? AND policy_name != ?`)
        .all(row.name_key, policyName) as { document: string }[];
      const total = others.reduce((sum, p) => sum + policySize(p.document), policySize(document));
      if (total > IAM_LIMITS.inlinePolicyChars) {
        throw new IamError(
          'LimitExceeded',
          `Maximum policy size of ${IAM_LIMITS.inlinePolicyChars} bytes exceeded for role ${row.name}`,
        );
      }
      this.db
        .prepare(
          `INSERT INTO role_policies (role_key, policy_name, document) VALUES (?, ?, ?)
           ON CONFLICT (role_key, policy_name) DO UPDATE SET document = excluded.document`,
        )
        .run(row.name_key, policyName, document);
    })();
  }

  getRolePolicy(
    roleName: string,
    policyName: string,
  ): { roleName: string; policyName: string; document: string } {
    const row = this.row(roleName);
    checkName('policyName', policyName, POLICY_NAME, 128);
    const p = this.db
      .prepare(`SELECT document FROM role_policies WHERE role_key = ? AND policy_name = ?`)
      .get(row.name_key, policyName) as { document: string } | undefined;
    if (p === undefined) {
      throw new IamError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
    }
    return { roleName: row.name, policyName, document: p.document };
  }

  listRolePolicies(roleName: string, marker: string | undefined, maxItems: number): Page<string> {
    const row = this.row(roleName);
    const names = (
      this.db
        .prepare(
          `SELECT policy_name FROM role_policies WHERE role_key = ? AND policy_name > ? ORDER BY policy_name LIMIT ?`,
        )
        .all(row.name_key, decodeMarker(marker), maxItems + 1) as { policy_name: string }[]
    ).map((r) => r.policy_name);
    return page(names, maxItems, (n) => n);
  }

  deleteRolePolicy(roleName: string, policyName: string): void {
    const row = this.row(roleName);
    checkName('policyName', policyName, POLICY_NAME, 128);
    const { changes } = this.db
      .prepare(`DELETE FROM role_policies WHERE role_key = ? AND policy_name = ?`)
      .run(row.name_key, policyName);
    if (changes === 0) {
      throw new IamError('NoSuchEntity', `The role policy with name ${policyName} cannot be found.`);
    }
  }

  private checkPolicyArn(policyArn: string): void {
    if (policyArn.length < 20 || policyArn.length > 2048) {
      throw validationError('policyArn', policyArn, 'Member must have length between 20 and 2048');
    }
    if (!/^arn:[^:]+:iam::(aws|\d{12}):policy\//.test(policyArn)) {
      throw new IamError('InvalidInput', `ARN ${policyArn} is not valid.`);
    }
  }

  attachRolePolicy(roleName: string, policyArn: string): void {
    const row = this.row(roleName);
    this.checkPolicyArn(policyArn);
    if (managedPolicy(policyArn, this.scope.partition) === undefined) {
      throw new IamError('NoSuchEntity', `Policy ${policyArn} does not exist or is not attachable.`);
    }
    this.db.transaction(() => {
      const has = this.db
        .prepare(`SELECT 1 FROM role_attachments WHERE role_key = ? AND policy_arn = ?`)
        .get(row.name_key, policyArn);
      if (has !== undefined) return; // IAM: attaching an attached policy changes nothing
      const { n } = this.db
        .prepare(`SELECT count(*) AS n FROM role_attachments WHERE role_key = ?`)
        .get(row.name_key) as { n: number };
      if (n >= IAM_LIMITS.managedPoliciesPerRole) {
        throw new IamError(
          'LimitExceeded',
          `Cannot exceed quota for PoliciesPerRole: ${IAM_LIMITS.managedPoliciesPerRole}`,
        );
      }
      this.db
        .prepare(`INSERT INTO role_attachments (role_key, policy_arn, attached_at) VALUES (?, ?, ?)`)
        .run(row.name_key, policyArn, this.clock.now().getTime());
    })();
  }

  detachRolePolicy(roleName: string, policyArn: string): void {
    const row = this.row(roleName);
    this.checkPolicyArn(policyArn);
    const { changes } = this.db
      .prepare(`DELETE FROM role_attachments WHERE role_key = ? AND policy_arn = ?`)
      .run(row.name_key, policyArn);
    if (changes === 0) {
      throw new IamError('NoSuchEntity', `Policy ${policyArn} was not found.`);
    }
  }

  listAttachedRolePolicies(
    roleName: string,
    pathPrefix: string,
    marker: string | undefined,
    maxItems: number,
  ): Page<{ policyName: string; policyArn: string }> {
    const row = this.row(roleName);
    const rows = this.db
      .prepare(
        `SELECT policy_arn FROM role_attachments WHERE role_key = ? AND policy_arn > ? ORDER BY policy_arn`,
      )
      .all(row.name_key, decodeMarker(marker)) as { policy_arn: string }[];
    const items = rows
      .map((r) => ({ arn: r.policy_arn, policy: managedPolicy(r.policy_arn, this.scope.partition) }))
      .filter((r) => r.policy !== undefined && r.policy.path.startsWith(pathPrefix))
      .slice(0, maxItems + 1)
      .map((r) => ({ policyName: r.policy?.name ?? '', policyArn: r.arn }));
    return page(items, maxItems, (p) => p.policyArn);
  }

  /** RoleDirectory: the role an ARN names exactly, with its trust and permission documents. */
  role(arn: string): RoleRecord | undefined {
    const m = ROLE_ARN.exec(arn);
    if (m === null || m[1] !== this.scope.partition || m[2] !== this.scope.account) return undefined;
    const row = this.db.prepare(`SELECT * FROM roles WHERE name_key = ?`).get((m[4] ?? '').toLowerCase()) as
      RoleRow | undefined;
    if (row === undefined || row.name !== m[4] || row.path !== m[3]) return undefined;
    const inline = this.db
      .prepare(
        `SELECT policy_name AS name, document FROM role_policies WHERE role_key = ? ORDER BY policy_name`,
      )
      .all(row.name_key) as { name: string; document: string }[];
    const attached = (
      this.db
        .prepare(`SELECT policy_arn FROM role_attachments WHERE role_key = ? ORDER BY policy_arn`)
        .all(row.name_key) as { policy_arn: string }[]
    ).flatMap((r) => {
      const p = managedPolicy(r.policy_arn, this.scope.partition);
      return p === undefined ? [] : [{ name: p.name, document: p.document }];
    });
    return {
      arn: this.arnOf(row),
      name: row.name,
      path: row.path,
      roleId: row.role_id,
      partition: this.scope.partition,
      account: this.scope.account,
      maxSessionDuration: row.max_session_duration,
      trustPolicy: row.trust_policy,
      permissionPolicies: [...inline, ...attached],
    };
  }
}

function decodeMarker(marker: string | undefined): string {
  if (marker === undefined) return '';
  const text = Buffer.from(marker, 'base64url').toString('utf8');
  if (text === '' || Buffer.from(text, 'utf8').toString('base64url') !== marker) {
    throw new IamError('InvalidInput', 'Invalid Marker.');
  }
  return text;
}

function page<T>(items: readonly T[], maxItems: number, keyOf: (item: T) => string): Page<T> {
  if (items.length <= maxItems) return { items, marker: undefined };
  const shown = items.slice(0, maxItems);
  const last = shown[shown.length - 1];
  return {
    items: shown,
    marker: last === undefined ? undefined : Buffer.from(keyOf(last), 'utf8').toString('base64url'),
  };
}
