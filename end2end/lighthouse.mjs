// Audits every page of a running shop with Lighthouse, as a visitor, a shopper and staff.
//   scripts/lighthouse.sh BASE_URL STAFF_EMAIL STAFF_PASSWORD
// (the script installs Lighthouse outside the clone and sets LIGHTHOUSE_DIR). Creates a shopper
// with one order, signs in staff, runs Lighthouse's default (phone) audit on each page in Debian's
// Chromium and prints the four scores and every failed audit. Exits 1 when accessibility, best
// practices or SEO is under 100 on any page, or a page sent the audit elsewhere; performance is
// printed only, because it means something only against the release build on an idle machine.
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const [base = 'http://127.0.0.1:3000', staffEmail, staffPassword] = process.argv.slice(2);
const dir = process.env.LIGHTHOUSE_DIR;
if (!staffEmail || !staffPassword || !dir) {
  console.error('usage: scripts/lighthouse.sh BASE_URL STAFF_EMAIL STAFF_PASSWORD');
  process.exit(2);
}
const load = (file) => import(pathToFileURL(path.join(dir, 'node_modules', file)).href);
const { default: lighthouse } = await load('lighthouse/core/index.js');
const chromeLauncher = await load('chrome-launcher/dist/index.js');

/** Posts a form the way a browser on the shop's own origin does; returns the response. */
async function post(pathname, form, cookie = '') {
  const r = await fetch(new URL(pathname, base), {
    method: 'POST',
    headers: { Origin: new URL(base).origin, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
    redirect: 'manual',
  });
  if (r.status !== 200) throw new Error(`${pathname}: ${r.status} ${await r.text()}`);
  return r;
}
/** A response's cookies, as `{ name, value, url }` for the browser. */
const cookiesOf = (r) => r.headers.getSetCookie().map((c) => {
  const [name, ...value] = c.split(';')[0].split('=');
  return { name, value: value.join('='), url: base };
});

const email = `lighthouse-${Date.now()}@example.com`;
const shopper = cookiesOf(await post('/api/register', { name: 'Light House', email, password: 'correct-horse-battery' }));
const placed = await post('/api/place_order', {
  first_name: 'Light', last_name: 'House', email, address: '1 Beacon Road', city: 'Boston', state: 'MA', zip: '02108',
  cart: 'canvas-notebook:1', idempotency_key: `lighthouse-${Date.now()}`,
}, shopper.map((c) => `${c.name}=${c.value}`).join('; '));
const orderId = (await placed.json()).order.id;
const staff = cookiesOf(await post('/api/login', { email: staffEmail, password: staffPassword }));

const pages = [
  ['visitor', [], ['/', '/products', '/products/canvas-notebook', '/cart', '/login', '/register', '/forgot']],
  ['shopper', shopper, ['/', '/cart', '/checkout', '/orders', `/orders/${orderId}`, '/account', '/notifications']],
  ['staff', staff, ['/staff', `/orders/${orderId}`, '/staff/products', '/staff/products/new', '/staff/products/canvas-notebook', '/staff/events', '/staff/webhooks']],
];
const gated = ['accessibility', 'best-practices', 'seo'];

const chrome = await chromeLauncher.launch({
  chromePath: '/usr/bin/chromium',
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
// Each role's session goes into the browser's own cookie jar, which Lighthouse is told to keep
// (it clears the origin's storage before each run by default).
const cdp = await chromium.connectOverCDP(`http://127.0.0.1:${chrome.port}`);
const jar = cdp.contexts()[0];
let failed = false;
try {
  for (const [who, cookies, paths] of pages) {
    await jar.clearCookies();
    await jar.addCookies(cookies);
    for (const p of paths) {
      const result = await lighthouse(new URL(p, base).href, {
        port: chrome.port, output: 'json', logLevel: 'error', disableStorageReset: true,
      });
      const { categories, audits, finalDisplayedUrl } = result.lhr;
      const score = (id) => Math.round((categories[id]?.score ?? 0) * 100);
      const low = gated.filter((id) => score(id) < 100);
      // A page that sent the audit elsewhere (a sign-in the cookie did not carry) was not audited.
      const ended = new URL(finalDisplayedUrl).pathname;
      const moved = ended !== p;
      failed ||= low.length > 0 || moved;
      console.log(`${low.length || moved ? '✘' : '✓'} ${who.padEnd(7)} ${p.padEnd(36)} performance ${score('performance')}, accessibility ${score('accessibility')}, best practices ${score('best-practices')}, SEO ${score('seo')}${moved ? ` — ended at ${ended}` : ''}`);
      for (const id of gated) {
        for (const ref of categories[id].auditRefs) {
          const audit = audits[ref.id];
          if (ref.weight > 0 && audit.score !== null && audit.score < 1) {
            const items = (audit.details?.items ?? []).slice(0, 3).map((i) => i.node?.snippet ?? i.url ?? '').filter(Boolean);
            console.log(`    ${id}: ${audit.title}${items.length ? ` — ${items.join(' | ')}` : ''}`);
          }
        }
      }
    }
  }
} finally {
  await cdp.close();
  await chrome.kill();
}
process.exit(failed ? 1 : 0);
