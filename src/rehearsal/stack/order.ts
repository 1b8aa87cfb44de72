/**
 * Creation order as CloudFormation derives it: a resource comes after every resource it names with
 * Ref, Fn::GetAtt or Fn::Sub, and after those in its DependsOn. Among independent resources the
 * template's order is kept, so runs are reproducible. Deletion is the reverse.
 */
import { referencesOf } from './intrinsics.js';
import { invalidTemplate, type TemplateResource } from './template.js';

export function dependenciesOf(
  id: string,
  resource: TemplateResource,
  all: Readonly<Record<string, TemplateResource>>,
): string[] {
  const deps = referencesOf(resource.Properties);
  const dependsOn = resource.DependsOn;
  for (const d of typeof dependsOn === 'string' ? [dependsOn] : (dependsOn ?? [])) {
    if (!(d in all)) throw invalidTemplate(`${id}.DependsOn: no resource ${d}`);
    deps.add(d);
  }
  deps.delete(id);
  return [...deps].filter((d) => d in all);
}

export function creationOrder(resources: Readonly<Record<string, TemplateResource>>): string[] {
  const ids = Object.keys(resources);
  const deps = new Map(
    ids.map((id) => [id, dependenciesOf(id, resources[id] as TemplateResource, resources)]),
  );
  const done = new Set<string>();
  const order: string[] = [];
  while (order.length < ids.length) {
    const next = ids.find((id) => !done.has(id) && (deps.get(id) ?? []).every((d) => done.has(d)));
    if (next === undefined) {
      const stuck = ids.filter((id) => !done.has(id));
      throw invalidTemplate(`circular dependency between resources: ${stuck.join(', ')}`);
    }
    done.add(next);
    order.push(next);
  }
  return order;
}
