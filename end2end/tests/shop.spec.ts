import type { Page } from '@playwright/test';
import { test, expect } from './support/server';
import { checkOut, holdWasm, signUp, uniqueEmail, waitForHydration } from './support/flows';

/** The stock the catalog's add-to-cart form for `product` says it has. */
async function catalogStock(page: Page, product: string): Promise<number> {
  return Number(await page.locator(`form[data-add-to-cart="${product}"]`).getAttribute('data-stock'));
}

test('sign up, fill the cart, check out through every step, see the order', async ({ page }) => {
  await signUp(page, uniqueEmail('buyer'));
  const mugs = await catalogStock(page, 'ridge-mug');
  const lamps = await catalogStock(page, 'lumen-lamp');

  await page.getByRole('button', { name: 'Add to cart: Ridge Ceramic Mug' }).click();
  await page.getByRole('button', { name: 'Add to cart: Ridge Ceramic Mug' }).click();
  await page.getByRole('button', { name: 'Add to cart: Lumen Desk Lamp' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('3');

  // The cart survives a reload (localStorage + cookie), and the server renders the same badge:
  // it is checked while the WASM is held back, so it is the server's.
  const hydrate = await holdWasm(page);
  await page.reload();
  await expect(page.getByTestId('cart-count')).toHaveText('3');
  expect(await page.evaluate(() => document.body.dataset.hydrated)).toBeUndefined();
  await hydrate();
  await expect(page.getByTestId('cart-count')).toHaveText('3');

  await page.goto('/cart');
  await waitForHydration(page);
  await expect(page.getByTestId('cart-line')).toHaveCount(2);
  await expect(page.getByTestId('subtotal')).toHaveText('$96.00');

  // Step 1 refuses bad details, field by field, on the server.
  await page.goto('/checkout');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Continue to review' }).click();
  await expect(page.getByTestId('error-first_name')).toHaveText('First name is required.');
  await expect(page.getByTestId('error-zip')).toContainText('ZIP');

  const orderId = await checkOut(page);
  await expect(page.getByTestId('order-total')).toHaveText('$96.00');
  await expect(page.getByTestId('status-badge')).toHaveText('Pending');
  await expect(page.getByTestId('cart-count')).toHaveText('0');

  await page.goto('/orders');
  await waitForHydration(page);
  const card = page.locator(`[data-order-id="${orderId}"]`);
  await expect(card).toBeVisible();
  await expect(card.getByTestId('order-total')).toHaveText('$96.00');
  await expect(card).toContainText('Ridge Ceramic Mug × 2');
  await expect(card).toContainText('Lumen Desk Lamp × 1');

  // Stock shown in the catalog moved with the order, and only for what was ordered.
  await page.goto('/');
  expect(await catalogStock(page, 'ridge-mug')).toBe(mugs - 2);
  expect(await catalogStock(page, 'lumen-lamp')).toBe(lamps - 1);
  await expect(page.locator('[data-product-id="stride-band"]')).toContainText('Only 3 left');
});

test('signed-out visitors are sent to sign in and come back', async ({ page }) => {
  await page.goto('/orders');
  await expect(page).toHaveURL(/\/login\?next=\/orders$/);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await waitForHydration(page);
  await page.getByLabel('Name').fill('Returning');
  await page.getByLabel('Email').fill(uniqueEmail('next'));
  await page.getByLabel('Password (at least 8 characters)').fill('correct-horse-battery');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/orders');
  await expect(page.getByRole('heading', { name: 'Your orders' })).toBeVisible();

  // Signing out (a plain form) ends the session: the orders are behind the sign-in again.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
  await page.goto('/orders');
  await expect(page).toHaveURL(/\/login\?next=\/orders$/);
});

test('the cart is the same in every tab', async ({ page, context }) => {
  await page.goto('/');
  await waitForHydration(page);
  const other = await context.newPage();
  await other.goto('/cart');
  await waitForHydration(other);
  const before = Number(await other.getByTestId('cart-count').textContent());
  await page.getByRole('button', { name: 'Add to cart: Canvas Notebook Set' }).click();
  await expect(other.getByTestId('cart-count')).toHaveText(String(before + 1));
  await expect(other.getByTestId('cart-line').filter({ hasText: 'Canvas Notebook Set' })).toBeVisible();
  await other.close();
});

test('the catalog refuses more than the stock it shows, without leaving the page', async ({ page }) => {
  await page.goto('/');
  await waitForHydration(page);
  const add = page.getByRole('button', { name: 'Add to cart: Stride Fitness Band' });
  for (let i = 1; i <= 3; i++) {
    await add.click();
    await expect(page.getByTestId('cart-count')).toHaveText(String(i));
  }
  await expect(page.getByTestId('toast').filter({ hasText: 'Added Stride Fitness Band to your cart.' }).first()).toBeVisible();
  await add.click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Only 3 of Stride Fitness Band in stock.' })).toBeVisible();
  await expect(page.getByTestId('cart-count')).toHaveText('3');
  await expect(page).toHaveURL(/\/$/);
});

test('text typed before the page hydrates is kept', async ({ page }) => {
  let hydrate = await holdWasm(page);
  await page.goto('/products?q=lamp');
  await page.getByLabel('Search products').fill('mug');
  await hydrate();
  await expect(page.getByLabel('Search products')).toHaveValue('mug');

  hydrate = await holdWasm(page);
  await page.goto('/register');
  await page.getByLabel('Name').fill('Early Typist');
  await page.getByLabel('Email').fill('early@example.test');
  await hydrate();
  await expect(page.getByLabel('Name')).toHaveValue('Early Typist');
  await expect(page.getByLabel('Email')).toHaveValue('early@example.test');

  // A quantity changed on the cart page before its (lazy) island hydrated goes into the cart.
  await page.goto('/');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Add to cart: Ridge Ceramic Mug' }).click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  hydrate = await holdWasm(page);
  await page.goto('/cart');
  const quantity = page.getByLabel('Quantity of Ridge Ceramic Mug');
  await quantity.fill('3');
  await quantity.blur();
  await hydrate();
  await expect(quantity).toHaveValue('3');
  await expect(page.getByTestId('cart-count')).toHaveText('3');
  await page.reload();
  await expect(page.getByLabel('Quantity of Ridge Ceramic Mug')).toHaveValue('3');
});
