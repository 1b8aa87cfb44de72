/**
 * What temporary credentials of an assumed role may do: the role's permission policy (IAM JSON, the
 * same evaluator as IoT policies: explicit Deny wins, no Allow means deny) with the session's policy
 * variables, e.g. `${credentials-iot:ThingName}` (AWS IoT "Authorizing direct calls to AWS services").
 * The platform's own long-lived keys have no session and are not restricted here.
 */
import type { PolicyDocument } from '../iot/policy/document.js';
import { PolicySet, type ServiceAction } from '../iot/policy/evaluate.js';
import type { CredentialRecord } from './credentials.js';

export class RolePolicies {
  private readonly sets = new Map<string, PolicySet>();

  /** `roleArn` -> its permission policies. */
  define(roleArn: string, documents: readonly PolicyDocument[]): this {
    this.sets.set(roleArn, new PolicySet(documents));
    return this;
  }

  /** True when `credential` may do `action` on `resourceArn`. */
  authorize(credential: CredentialRecord, action: ServiceAction, resourceArn: string): boolean {
    const session = credential.session;
    if (session === undefined) return true;
    const set = this.sets.get(session.roleArn);
    if (set === undefined) return false;
    return set.bind({ clientId: '', variables: session.variables }).authorize(action, resourceArn);
  }
}
