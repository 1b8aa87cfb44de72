// `node --import <repo>/bin/rehearsal-preload.mjs app.js`: registers tsx for camlink's TypeScript sources,
// then installs the rehearsal redirect (src/rehearsal/preload.ts) from the JSON file CAMLINK_REHEARSAL_HOSTS
// names. See docs/rehearsal.md.
import { register } from 'tsx/esm/api';

register();
await import('../src/rehearsal/preload.ts');
