// On a phone (390 × 844, the width of most current phones) every page fits its width: nothing
// scrolls sideways, the header's controls stay on screen without overlapping, and the catalog's
// search field, category and button stay usable.
import type { Page } from '@playwright/test';
import { test, expect, STAFF } from './support/server';
import { signUp, uniqueEmail, waitForHydration } from './support/flows';

const PHONE = { width: 390, height: 844 };

/** Nothing is wider than the screen: the page cannot be scrolled sideways. */
async function expectNoSidewaysScroll(page: Page, path: string): Promise<void> {
  const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, view: window.innerWidth }));
  expect(widths.scroll, `${path} is ${widths.scroll} px wide on a ${widths.view} px screen`).toBeLessThanOrEqual(widths.view);
}

/** Every control in the header is inside the screen and none covers another. */
async function expectHeaderFits(page: Page, path: string): Promise<void> {
  const boxes = await page.locator('header').locator('a:visible, button:visible, select:visible').evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { name: el.getAttribute('aria-label') || el.textContent?.trim() || el.tagName, left: r.left, right: r.right, top: r.top, bottom: r.bottom };
    }),
  );
  expect(boxes.length, `${path}: header controls`).toBeGreaterThan(2);
  for (const b of boxes) {
    expect(b.left, `${path}: ${b.name} starts on screen`).toBeGreaterThanOrEqual(0);
    expect(b.right, `${path}: ${b.name} ends on screen`).toBeLessThanOrEqual(PHONE.width);
  }
  for (const [i, a] of boxes.entries()) {
    for (const b of boxes.slice(i + 1)) {
      const overlap = Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
      expect(overlap, `${path}: ${a.name} and ${b.name} overlap`).toBe(false);
    }
  }
}

test.use({ viewport: PHONE });

test('every page fits a phone screen, signed out and signed in', async ({ page }) => {
  test.setTimeout(90_000);
  for (const path of ['/', '/products', '/products/lumen-lamp', '/cart', '/login', '/register']) {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoSidewaysScroll(page, path);
    await expectHeaderFits(page, path);
  }
  // "Sign in" stays on one line.
  const signIn = page.getByRole('banner').getByRole('link', { name: 'Sign in' });
  const box = await signIn.boundingBox();
  expect(box!.height).toBeLessThan(48);

  await signUp(page, uniqueEmail('phone'));
  await page.getByRole('button', { name: 'Add to cart: Glide Ergonomic Mouse' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  for (const path of ['/', '/products', '/cart', '/checkout', '/orders', '/account', '/notifications']) {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoSidewaysScroll(page, path);
    await expectHeaderFits(page, path);
  }
  // On a phone the account link and sign-out are icons that keep their names.
  await expect(page.getByRole('banner').getByRole('link', { name: 'Test Shopper' })).toBeVisible();
  await expect(page.getByRole('banner').getByRole('button', { name: 'Sign out' })).toBeVisible();
});

test('staff pages fit a phone screen', async ({ page }) => {
  expect((await page.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  for (const path of ['/staff', '/staff/products', '/staff/products/new', '/staff/products/lumen-lamp', '/staff/events', '/staff/events?rebuild=1', '/staff/webhooks', '/orders', '/']) {
    await page.goto(path);
    await waitForHydration(page);
    await expectNoSidewaysScroll(page, path);
    await expectHeaderFits(page, path);
  }
});

test('the catalog search works on a phone', async ({ page }) => {
  await page.goto('/products');
  await waitForHydration(page);
  const search = page.getByRole('searchbox', { name: 'Search products' });
  const category = page.getByRole('combobox', { name: 'Category' });
  const searchBox = (await search.boundingBox())!;
  const categoryBox = (await category.boundingBox())!;
  expect(searchBox.width, 'the search field takes the row').toBeGreaterThan(PHONE.width * 0.7);
  expect(categoryBox.x + categoryBox.width).toBeLessThanOrEqual(PHONE.width);
  await search.fill('mouse');
  await search.press('Enter');
  await page.waitForURL(/q=mouse/);
  await waitForHydration(page);
  await expect(page.locator('[data-testid=product-card]')).toHaveCount(1);
  await expectNoSidewaysScroll(page, '/products?q=mouse');
});
