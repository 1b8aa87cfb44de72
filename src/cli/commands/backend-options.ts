/**
 * The options of commands that call the backend API (where it is, which CA, whose token): plain data, so
 * a command module can declare them without importing the API client (see commands/index.ts on start-up).
 */
import type { OptionValues } from '../command.js';

export const backendOptions = {
  endpoints: {
    type: 'string',
    valueName: 'F',
    description: 'endpoints.json of `camlink up` (default DATA_DIR/endpoints.json): the API and its CA',
  },
  api: { type: 'string', valueName: 'URL', description: 'backend API base URL (overrides --endpoints)' },
  ca: { type: 'string', valueName: 'F', description: 'extra CA for --api (default: the system trust)' },
  'token-file': {
    type: 'string',
    valueName: 'F',
    description: "the user's token (default DATA_DIR/app/token, or env CAMLINK_APP_TOKEN)",
  },
} as const;

export type BackendOptionValues = OptionValues<typeof backendOptions>;

export const operatorTokenOption = {
  'operator-token-file': {
    type: 'string',
    valueName: 'F',
    description: 'the operator token file (default: backend.operatorTokenFile in the data dir)',
  },
} as const;
