/** A listing call of the plan: its failure stops teardown as a coded error naming the operation. */
import { toCamlinkError } from '../service-error.js';

export async function listed<T>(operation: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toCamlinkError(operation, err);
  }
}
