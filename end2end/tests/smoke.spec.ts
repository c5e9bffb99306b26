import { test, expect } from './support/server';
import { signUp, uniqueEmail, waitForHydration } from './support/flows';

test('home page is server-rendered, hydrates, adds to cart and goes live', async ({ page }) => {
  await page.goto('/');

  // Server-rendered content, before hydration.
  await expect(page.getByRole('heading', { level: 1 }).first()).toHaveText('Products');
  const cards = page.locator('[data-testid=product-card]');
  await expect(cards.nth(11)).toBeVisible();
  expect(await cards.count()).toBeGreaterThanOrEqual(12);
  await expect(page.getByText('Only 3 left')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Add Brew Pour-Over Kettle to cart' })).toBeDisabled();

  // Hydration: a click changes the page without a round trip.
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Add Aurora Wireless Headphones to cart' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  await expect(page.getByTestId('toast').first()).toContainText('Added Aurora Wireless Headphones');
  // Signed out there is no live channel, and no connection pill either.
  await expect(page.getByTestId('connection-status')).toBeHidden();

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
