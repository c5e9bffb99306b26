// The shop is a single-page app: after the first page, moving around never loads a new
// document, and the visit keeps one live connection, one cart and one set of toasts.
import type { Page } from '@playwright/test';
import { test, expect, STAFF } from './support/server';
import { fillShipping, signUp, uniqueEmail, waitForHydration } from './support/flows';

/** Counts document loads and WebSockets from now on. */
function watch(page: Page) {
  const seen = { documents: 0, sockets: 0 };
  page.on('request', (r) => {
    if (r.resourceType() === 'document') seen.documents += 1;
  });
  page.on('websocket', () => (seen.sockets += 1));
  return seen;
}

/** Follows a link in the header's main navigation, as a shopper would. */
async function nav(page: Page, name: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
  await waitForHydration(page);
}

async function expectArrived(page: Page, path: RegExp, heading: string | RegExp) {
  await expect(page).toHaveURL(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  // Focus moved to the new page's heading, and the title was announced.
  await expect.poll(() => page.evaluate(() => document.activeElement?.tagName)).toBe('H1');
  await expect(page.locator('#route-announcer')).toHaveText(await page.title());
}

test('a whole visit is one document and one live connection', async ({ browser, page }) => {
  test.setTimeout(120_000);
  await signUp(page, uniqueEmail('tour'));
  const indicator = page.getByTestId('connection-status').first();
  await expect(indicator).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  const seen = watch(page);
  // Set after the first page: a new document would lose it.
  await page.evaluate(() => {
    (window as any).__tour = 'still here';
    const states: string[] = [];
    (window as any).__states = states;
    const el = document.querySelector('[data-testid=connection-status]')!;
    new MutationObserver(() => states.push(el.getAttribute('data-state')!)).observe(el, { attributes: true });
  });

  await nav(page, 'Orders');
  await expectArrived(page, /\/orders$/, 'Your orders');
  await nav(page, 'Products');
  await expectArrived(page, /\/products$/, 'Products');

  // The cart is the visit's: added on the catalog, counted in the header, listed on the cart.
  await page.getByRole('button', { name: 'Add to cart: Ridge Ceramic Mug' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  await page.getByRole('link', { name: /^Cart, 1 items$/ }).click();
  await waitForHydration(page);
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByTestId('cart-line')).toHaveCount(1);

  // The three checkout steps, each a page of its own, none a new document.
  await page.getByRole('link', { name: 'Checkout' }).click();
  await waitForHydration(page);
  await expect(page).toHaveURL(/\/checkout$/);
  await fillShipping(page);
  await page.getByRole('button', { name: 'Continue to review' }).click();
  await expect(page.getByTestId('review-total')).toBeVisible();
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/\/orders\/[0-9A-Z]+\?placed=1/);
  await waitForHydration(page);
  await expect(page.getByTestId('order-confirmation')).toBeVisible();
  const orderId = new URL(page.url()).pathname.split('/').pop() as string;
  // The placed order emptied the cart on the server; the header follows without a reload.
  await expect(page.getByTestId('cart-count')).toHaveText('0');

  // Staff move the order while the shopper is on another page.
  await nav(page, 'Products');
  const staff = await browser.newContext({ baseURL: new URL(page.url()).origin });
  expect((await staff.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  const before = await (await staff.request.post('/api/order', { form: { id: orderId } })).json();
  const moved = await staff.request.post('/api/change_status', {
    form: { id: orderId, status: 'PROCESSING', version: String(before.order.version) },
  });
  expect(moved.status(), await moved.text()).toBe(200);

  // Arriving at the order, it shows the new status; a later change arrives on the same socket.
  await nav(page, 'Orders');
  await page.locator(`[data-order-id="${orderId}"]`).getByRole('link').first().click();
  await waitForHydration(page);
  await expect(page).toHaveURL(new RegExp(`/orders/${orderId}$`));
  await expect(page.getByTestId('status-badge')).toHaveText('Processing');
  const again = await staff.request.post('/api/change_status', {
    form: { id: orderId, status: 'SHIPPED', version: String(before.order.version + 1) },
  });
  expect(again.status(), await again.text()).toBe(200);
  await expect(page.getByTestId('status-badge')).toHaveText('Shipped', { timeout: 5_000 });
  await staff.close();

  // Back and forward restore the pages, and the catalog's scroll position.
  await nav(page, 'Products');
  await page.evaluate(() => window.scrollTo(0, 400));
  await expect.poll(() => page.evaluate(() => Math.round(window.scrollY))).toBe(400);
  await nav(page, 'Orders');
  await expect.poll(() => page.evaluate(() => window.scrollY)).toBe(0);
  await page.goBack();
  await waitForHydration(page);
  await expect(page).toHaveURL(/\/products$/);
  await expect.poll(() => page.evaluate(() => Math.round(window.scrollY))).toBe(400);
  await page.goForward();
  await waitForHydration(page);
  await expect(page).toHaveURL(/\/orders$/);
  await page.goBack();
  await page.goBack();
  await waitForHydration(page);
  await expect(page).toHaveURL(new RegExp(`/orders/${orderId}$`));
  await expect(page.getByTestId('status-badge')).toHaveText('Shipped');

  expect(await page.evaluate(() => (window as any).__tour)).toBe('still here');
  expect(seen.documents, 'documents loaded during the tour').toBe(0);
  expect(seen.sockets, 'WebSockets opened during the tour').toBe(0);
  await expect(indicator).toHaveAttribute('data-state', 'live');
  expect(await page.evaluate(() => (window as any).__states)).not.toContain('connecting');
});

test('signing out and in again in place swaps the live connection with the session', async ({ page }) => {
  const email = uniqueEmail('swap');
  await signUp(page, email);
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  const seen = watch(page);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  // Signed out on the catalog, the visit keeps a visitor's connection (the catalog's public
  // frames only), never the old session's.
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-role', 'visitor', { timeout: 10_000 });
  await page.getByRole('link', { name: 'Sign in' }).click();
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct-horse-battery');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await waitForHydration(page);
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-role', 'shopper');
  expect(seen.documents).toBe(0);
  expect(seen.sockets, "a visitor's socket while signed out, then one for the new session").toBe(2);
});

test('staff move between their pages in place, on one socket', async ({ page }) => {
  await page.goto('/login');
  await waitForHydration(page);
  const seen = watch(page);
  await page.getByLabel('Email').fill(STAFF.email);
  await page.getByLabel('Password').fill(STAFF.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await waitForHydration(page);
  await nav(page, 'Staff');
  await expectArrived(page, /\/staff$/, /Staff|Dashboard|Operations/);
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  await expect(page.getByTestId('figure-orders')).toBeVisible();
  await nav(page, 'Orders');
  await expectArrived(page, /\/orders$/, /orders/i);
  await page.goBack();
  await waitForHydration(page);
  await expect(page).toHaveURL(/\/staff$/);
  await expect(page.getByTestId('figure-orders')).toBeVisible();
  expect(seen.documents).toBe(0);
  expect(seen.sockets).toBe(1);
});
