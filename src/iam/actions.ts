/**
 * The IAM operations this service performs, from Query parameters to the result tree: roles
 * (Create/Get/List/Delete, UpdateAssumeRolePolicy), inline role policies (Put/Get/List/Delete) and
 * attached AWS-managed policies (Attach/Detach/ListAttached). Any other action is InvalidAction.
 */
import { IamError } from './errors.js';
import { encodePolicy, type XmlObject } from './query.js';
import { validationError, type IamStore, type Role } from './store.js';

type Params = ReadonlyMap<string, string>;
type Handler = (store: IamStore, params: Params) => XmlObject | undefined;

function required(params: Params, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') {
    throw new IamError('MissingParameter', `The request must contain the parameter ${name}`);
  }
  return value;
}

function integer(params: Params, name: string, min: number, max: number): number | undefined {
  const text = params.get(name);
  if (text === undefined) return undefined;
  const value = /^-?\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(value))
    throw new IamError('ValidationError', `Value '${text}' for parameter ${name} is invalid.`);
  if (value < min || value > max) {
    const field = name.charAt(0).toLowerCase() + name.slice(1);
    throw validationError(field, text, `Member must have value between ${min} and ${max}`);
  }
  return value;
}

function paging(params: Params): { marker: string | undefined; maxItems: number } {
  const marker = params.get('Marker');
  if (marker !== undefined && (marker.length < 1 || marker.length > 320)) {
    throw validationError('marker', marker, 'Member must have length between 1 and 320');
  }
  return { marker, maxItems: integer(params, 'MaxItems', 1, 1000) ?? 100 };
}

function pathPrefix(params: Params): string {
  const prefix = params.get('PathPrefix') ?? '/';
  if (prefix.length > 512 || !/^\/[\u0021-\u007F]*$/.test(prefix)) {
    throw validationError(
      'pathPrefix',
      prefix,
      'Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*',
    );
  }
  return prefix;
}

function roleXml(role: Role): XmlObject {
  return {
    Path: role.path,
    RoleName: role.roleName,
    RoleId: role.roleId,
    Arn: role.arn,
    CreateDate: role.createDate.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    AssumeRolePolicyDocument: encodePolicy(role.assumeRolePolicyDocument),
    Description: role.description,
    MaxSessionDuration: role.maxSessionDuration,
  };
}

function truncation(marker: string | undefined): XmlObject {
  return marker === undefined ? { IsTruncated: false } : { IsTruncated: true, Marker: marker };
}

export const IAM_ACTIONS: Readonly<Record<string, Handler>> = {
  CreateRole: (store, p) => ({
    Role: roleXml(
      store.createRole({
        roleName: required(p, 'RoleName'),
        assumeRolePolicyDocument: required(p, 'AssumeRolePolicyDocument'),
        path: p.get('Path'),
        description: p.get('Description'),
        maxSessionDuration: integer(p, 'MaxSessionDuration', 3600, 43_200),
      }),
    ),
  }),
  GetRole: (store, p) => ({ Role: roleXml(store.getRole(required(p, 'RoleName'))) }),
  ListRoles: (store, p) => {
    const { marker, maxItems } = paging(p);
    const page = store.listRoles(pathPrefix(p), marker, maxItems);
    return { Roles: page.items.map(roleXml), ...truncation(page.marker) };
  },
  DeleteRole: (store, p) => {
    store.deleteRole(required(p, 'RoleName'));
    return undefined;
  },
  UpdateAssumeRolePolicy: (store, p) => {
    store.updateAssumeRolePolicy(required(p, 'RoleName'), required(p, 'PolicyDocument'));
    return undefined;
  },
  PutRolePolicy: (store, p) => {
    store.putRolePolicy(required(p, 'RoleName'), required(p, 'PolicyName'), required(p, 'PolicyDocument'));
    return undefined;
  },
  GetRolePolicy: (store, p) => {
    const policy = store.getRolePolicy(required(p, 'RoleName'), required(p, 'PolicyName'));
    return {
      RoleName: policy.roleName,
      PolicyName: policy.policyName,
      PolicyDocument: encodePolicy(policy.document),
    };
  },
  ListRolePolicies: (store, p) => {
    const { marker, maxItems } = paging(p);
    const page = store.listRolePolicies(required(p, 'RoleName'), marker, maxItems);
    return { PolicyNames: page.items, ...truncation(page.marker) };
  },
  DeleteRolePolicy: (store, p) => {
    store.deleteRolePolicy(required(p, 'RoleName'), required(p, 'PolicyName'));
    return undefined;
  },
  AttachRolePolicy: (store, p) => {
    store.attachRolePolicy(required(p, 'RoleName'), required(p, 'PolicyArn'));
    return undefined;
  },
  DetachRolePolicy: (store, p) => {
    store.detachRolePolicy(required(p, 'RoleName'), required(p, 'PolicyArn'));
    return undefined;
  },
  ListAttachedRolePolicies: (store, p) => {
    const { marker, maxItems } = paging(p);
    const page = store.listAttachedRolePolicies(required(p, 'RoleName'), pathPrefix(p), marker, maxItems);
    return {
      AttachedPolicies: page.items.map((a) => ({ PolicyName: a.policyName, PolicyArn: a.policyArn })),
      ...truncation(page.marker),
    };
  },
};
