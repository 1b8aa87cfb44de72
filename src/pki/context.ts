/** What every PKI operation needs: where the store is, the PKI config, and injectable time/randomness. */
import type { PkiConfig } from '../config/schema.js';
import { systemClock, systemRandom, type Clock, type RandomBytes } from '../util/clock.js';
import { PkiStore } from './store.js';

export interface PkiContext {
  readonly store: PkiStore;
  readonly config: Readonly<PkiConfig>;
  readonly clock: Clock;
  readonly random: RandomBytes;
}

export function pkiContext(
  dataDir: string,
  config: Readonly<PkiConfig>,
  overrides: { clock?: Clock; random?: RandomBytes } = {},
): PkiContext {
  return {
    store: new PkiStore(dataDir),
    config,
    clock: overrides.clock ?? systemClock,
    random: overrides.random ?? systemRandom,
  };
}
