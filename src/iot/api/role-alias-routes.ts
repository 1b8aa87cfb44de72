/** Role-alias operations of the AWS IoT REST API (paths and bindings of @aws-sdk/client-iot). */
import { z } from 'zod';
import { body, bool, int, opt, route, type Route } from './route-kit.js';

const aliasBody = z
  .object({
    roleArn: z.string(),
    credentialDurationSeconds: z.number().int().optional(),
    tags: z.array(z.unknown()).optional(),
  })
  .strict();

export const roleAliasRoutes: readonly Route[] = [
  route('CreateRoleAlias', 'POST', '/role-aliases/{roleAlias}', (i, d) => {
    const b = body(aliasBody, i.body);
    return d.registry.createRoleAlias(i.params.roleAlias ?? '', b);
  }),
  route('DescribeRoleAlias', 'GET', '/role-aliases/{roleAlias}', (i, d) =>
    d.registry.describeRoleAlias(i.params.roleAlias ?? ''),
  ),
  route('UpdateRoleAlias', 'PUT', '/role-aliases/{roleAlias}', (i, d) => {
    const b = body(
      z
        .object({ roleArn: z.string().optional(), credentialDurationSeconds: z.number().int().optional() })
        .strict(),
      i.body,
    );
    return d.registry.updateRoleAlias(i.params.roleAlias ?? '', b);
  }),
  route('DeleteRoleAlias', 'DELETE', '/role-aliases/{roleAlias}', (i, d) => {
    d.registry.deleteRoleAlias(i.params.roleAlias ?? '');
    return {};
  }),
  route('ListRoleAliases', 'GET', '/role-aliases', (i, d) =>
    d.registry.listRoleAliases({
      pageSize: int(i.query, 'pageSize'),
      marker: opt(i.query, 'marker'),
      ascendingOrder: bool(i.query, 'isAscendingOrder'),
    }),
  ),
];
