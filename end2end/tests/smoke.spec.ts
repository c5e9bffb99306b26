import { test, expect } from './support/server';

test('home page lists products, hydrates, adds to cart and goes live', async ({ page }) => {
  await page.goto('/');

  // Server-rendered content, before hydration.
  await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
  const cards = page.locator('[data-testid=product-card]');
  await expect(cards.nth(11)).toBeVisible();
  expect(await cards.count()).toBeGreaterThanOrEqual(12);

  // The app sets <body data-hydrated="true"> once the WASM has hydrated the page.
  await page.waitForFunction(() => document.body.dataset.hydrated === 'true');

  await page.getByRole('button', { name: 'Add Aurora Wireless Headphones to cart' }).click();
  await expect(page.locator('[data-testid=cart-count]')).toHaveText('1');

  // The WebSocket to /ws is up.
  await expect(page.locator('[data-testid=connection-status]')).toHaveAttribute('data-state', 'live', {
    timeout: 10_000,
  });
});
