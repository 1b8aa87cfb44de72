/**
 * Security matrix, web dashboard served by the backend at `/`: the headers that stop framing
 * (clickjacking), MIME sniffing and script injection are on the page whether or not it is built.
 */
import assert from 'node:assert/strict';
import { rawRequest } from '../helpers/https.js';
import { surface } from './matrix.js';
import { securityWorld } from './world.js';

const dashboard = surface('dashboard', 'Dashboard');
const sw = securityWorld();

async function rootHeaders() {
  const { platform, world } = sw();
  const res = await rawRequest(world.httpsAgent, `${platform.endpoints.api.replace(/\/v1$/, '')}/`, {
    method: 'GET',
  });
  assert.ok(res.status === 200 || res.status === 503, `GET / answered ${res.status}`);
  return res.headers;
}

dashboard.row(
  'dashboard-csp',
  'inline or third-party script, framing by another site (GET `/`)',
  "Content-Security-Policy with script-src 'self', object-src 'none', frame-ancestors 'none'",
  async () => {
    const csp = String((await rootHeaders())['content-security-policy'] ?? '');
    const directives = csp.split(';').map((d) => d.trim());
    const wanted = ["script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"];
    for (const d of wanted) assert.ok(directives.includes(d), `${d} in ${csp}`);
    return `Content-Security-Policy: ${wanted.join('; ')} (and more)`;
  },
);

dashboard.row(
  'dashboard-nosniff',
  'MIME sniffing of the page (GET `/`)',
  'X-Content-Type-Options: nosniff',
  async () => {
    const value = (await rootHeaders())['x-content-type-options'];
    assert.equal(value, 'nosniff');
    return `X-Content-Type-Options: ${value}`;
  },
);

dashboard.row(
  'dashboard-referrer',
  'URLs leaking through Referer (GET `/`)',
  'Referrer-Policy: no-referrer',
  async () => {
    const value = (await rootHeaders())['referrer-policy'];
    assert.equal(value, 'no-referrer');
    return `Referrer-Policy: ${value}`;
  },
);

dashboard.done();
