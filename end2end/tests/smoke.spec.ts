import { test, expect } from './support/server';
import { holdWasm, signUp, uniqueEmail, waitForHydration } from './support/flows';

test('home page is server-rendered, hydrates, adds to cart and goes live', async ({ page }) => {
  // Server-rendered content: checked while the WASM is held back, so no island has run.
  const hydrate = await holdWasm(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1 }).first()).toHaveText('Products');
  const cards = page.locator('[data-testid=product-card]');
  await expect(cards.nth(11)).toBeVisible();
  expect(await cards.count()).toBeGreaterThanOrEqual(12);
  await expect(page.getByText('Only 3 left')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sold out: Brew Pour-Over Kettle' })).toBeDisabled();

  expect(await page.evaluate(() => document.body.dataset.hydrated)).toBeUndefined();

  // Hydration: a click changes the page without a round trip.
  await hydrate();
  await page.getByRole('button', { name: 'Add to cart: Aurora Wireless Headphones' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  await expect(page.getByTestId('toast').first()).toContainText('Added Aurora Wireless Headphones');
  // Signed out, the catalog holds a visitor's live channel: the catalog's public frames only.
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-role', 'visitor', { timeout: 10_000 });

  // Signed in, the page holds a live WebSocket to /ws.
  await signUp(page, uniqueEmail('smoke'));
  await expect(page.getByTestId('connection-status')).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
  await expect(page.getByTestId('connection-status')).toHaveText('Live');
});

test('dark mode toggles, persists and does not flash', async ({ page }) => {
  await page.goto('/');
  await waitForHydration(page);
  const isDark = () => page.evaluate(() => document.documentElement.classList.contains('dark'));
  const before = await isDark();
  await page.getByRole('button', { name: 'Toggle dark mode' }).click();
  expect(await isDark()).toBe(!before);
  await page.reload();
  // Applied by the inline head script, before any WASM runs.
  expect(await isDark()).toBe(!before);
});

test('the header lays out as designed: the cart count sits on the cart icon', async ({ page }) => {
  // Islands are wrapped in <leptos-island> elements; they must not change the layout (the
  // cart link once stopped being a flex item inside one, and its badge floated to the top of
  // the page).
  await page.goto('/');
  const link = page.getByRole('link', { name: /^Cart, \d+ items$/ });
  const badge = page.getByTestId('cart-count');
  const [l, b] = [await link.boundingBox(), await badge.boundingBox()];
  expect(l && b, 'the cart link and its badge are rendered').toBeTruthy();
  if (!l || !b) return;
  const badgeCentre = { x: b.x + b.width / 2, y: b.y + b.height / 2 };
  expect(badgeCentre.x, 'badge over the link horizontally').toBeGreaterThanOrEqual(l.x);
  expect(badgeCentre.x).toBeLessThanOrEqual(l.x + l.width + 4);
  expect(badgeCentre.y, 'badge over the link vertically').toBeGreaterThanOrEqual(l.y - 4);
  expect(badgeCentre.y).toBeLessThanOrEqual(l.y + l.height);
  expect(b.y, 'badge on the page, not pushed above it').toBeGreaterThanOrEqual(0);
  expect(await page.locator('leptos-island').evaluateAll((els) => els.map((e) => getComputedStyle(e).display))).not.toContain('inline');
});
