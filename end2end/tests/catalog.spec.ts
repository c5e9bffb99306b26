// Staff run the catalog, and every open catalog page follows: a signed-out visitor watches a
// sold-out product come back when staff restock it in another browser, without reloading; staff
// create, edit and archive a product with the forms of /staff/products.
import { test, expect, STAFF } from './support/server';
import { waitForHydration } from './support/flows';

test('a visitor sees a restock by staff within 2 s and can buy it', async ({ browser, page, shop }) => {
  test.setTimeout(90_000);
  const staff = await browser.newContext({ baseURL: shop.baseURL });
  expect((await staff.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  const setTo = async (action: 'add' | 'set', quantity: string) => {
    const r = await staff.request.post('/api/change_stock', { form: { id: 'nimbus-speaker', action, quantity, reason: 'count_correction' } });
    expect(r.status(), await r.text()).toBe(200);
  };
  await setTo('set', '0');

  // A signed-out visitor on the catalog: the speaker is sold out.
  await page.goto('/products');
  await waitForHydration(page);
  const card = page.locator('[data-testid="product-card"][data-product-id="nimbus-speaker"]');
  await expect(card.getByTestId('stock')).toHaveText('Out of stock');
  const button = card.getByRole('button', { name: /Nimbus Bluetooth Speaker$/ });
  await expect(button).toHaveAccessibleName('Sold out: Nimbus Bluetooth Speaker');
  await expect(button).toBeDisabled();
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-role', 'visitor', { timeout: 10_000 });
  let reloads = 0;
  page.on('load', () => (reloads += 1));

  // Staff restock 5 in their own browser, through the staff page's form.
  const staffPage = await staff.newPage();
  await staffPage.goto('/staff/products/nimbus-speaker');
  await staffPage.getByLabel('Add units or set the count').selectOption('add');
  await staffPage.getByLabel('Units', { exact: true }).fill('5');
  await staffPage.getByLabel('Reason').selectOption('received');
  const restockedAt = Date.now();
  await staffPage.getByRole('button', { name: 'Update stock' }).click();
  await expect(staffPage.getByTestId('saved-notice')).toContainText('stock was updated');
  await expect(staffPage.getByTestId('stock-level')).toHaveText('5 left');

  await expect(card.getByTestId('stock')).toHaveText('Only 5 left', { timeout: 2_000 });
  expect(Date.now() - restockedAt, 'the visitor saw the restock within 2 s of the click').toBeLessThan(4_000);
  await expect(button).toBeEnabled();
  await expect(button).toHaveAccessibleName('Add to cart: Nimbus Bluetooth Speaker');
  await button.click();
  await expect(page.getByTestId('cart-count')).toHaveText('1');
  expect(reloads, 'no reload').toBe(0);

  // The product's own page follows too: a count of 2 arrives live.
  await page.goto('/products/nimbus-speaker');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Nimbus Bluetooth Speaker');
  await setTo('set', '2');
  await expect(page.getByTestId('stock')).toHaveText('Only 2 left', { timeout: 2_000 });
  await staff.close();
});

test('staff create, edit and archive a product with the forms', async ({ page }) => {
  test.setTimeout(60_000);
  expect((await page.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  await page.goto('/staff/products');
  await expect(page.getByRole('heading', { name: 'Products', level: 1 })).toBeVisible();
  await expect(page.getByTestId('staff-product-row')).not.toHaveCount(0);
  // A shopper watches the Home category, signed out, while staff work.
  const shopper = await page.context().browser()!.newContext({ baseURL: new URL(page.url()).origin });
  const shop = await shopper.newPage();
  await shop.goto('/products?category=Home');
  await waitForHydration(shop);
  await expect(shop.getByTestId('connection-status').first()).toHaveAttribute('data-role', 'visitor', { timeout: 10_000 });
  let reloads = 0;
  shop.on('load', () => (reloads += 1));
  await page.getByRole('link', { name: 'New product' }).click();

  // A bad price is refused beside its field, with what was typed kept.
  const name = `Desk Fan ${Date.now()}`;
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Description').fill('Quiet and small.');
  await page.getByLabel('Category').fill('Home');
  await page.getByLabel('Price (USD, e.g. 19.99)').fill('12.345');
  await page.getByLabel('Units in stock').fill('4');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('error-price')).toContainText('two decimals');
  await expect(page.getByLabel('Name', { exact: true })).toHaveValue(name);
  await page.getByLabel('Price (USD, e.g. 19.99)').fill('39.90');
  await page.getByRole('button', { name: 'Create product' }).click();
  await expect(page.getByTestId('saved-notice')).toContainText('created');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(name);
  const id = new URL(page.url()).pathname.split('/').pop()!;

  // On sale at once, with its price: it appears on the shopper's open page, in its place.
  const card = shop.locator(`[data-testid="product-card"][data-product-id="${id}"]`);
  await expect(card.getByTestId('price')).toHaveText('$39.90', { timeout: 2_000 });
  await expect(card.getByRole('link', { name })).toHaveAttribute('href', `/products/${id}`);
  await expect(card.getByTestId('stock')).toHaveText('Only 4 left');
  const names = await shop.locator('[data-testid="product-card"] h2').allTextContents();
  expect(names, 'listed by name within the category').toEqual([...names].sort());
  await card.getByRole('button', { name: `Add to cart: ${name}` }).click();
  await expect(shop.getByTestId('cart-count')).toHaveText('1');

  // An edit from a stale page is refused with the current values.
  const stale = await page.context().newPage();
  await stale.goto(`/staff/products/${id}`);
  await page.getByLabel('Price (USD, e.g. 19.99)').fill('35.00');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('saved-notice')).toContainText('saved');
  await expect(card.getByTestId('price')).toHaveText('$35.00', { timeout: 2_000 });
  await stale.getByLabel('Price (USD, e.g. 19.99)').fill('1.00');
  await stale.getByRole('button', { name: 'Save changes' }).click();
  await expect(stale.getByRole('alert')).toContainText('Someone saved this product');
  await expect(stale.getByRole('alert')).toContainText('$35.00');

  // Archived, it leaves the catalog: the open page first, then a search.
  await page.reload();
  await page.getByRole('button', { name: 'Archive product' }).click();
  await expect(page.getByTestId('saved-notice')).toContainText('archived');
  await expect(card).toHaveCount(0, { timeout: 2_000 });
  expect(reloads, "the shopper's page changed in place").toBe(0);
  await shop.goto('/products?q=Desk+Fan');
  await expect(shop.locator(`[data-product-id="${id}"]`)).toHaveCount(0);
  expect((await shop.goto(`/products/${id}`))!.status()).toBe(404);
  await shopper.close();
});

test('a shopper with the product in the cart sees a new price marked before paying', async ({ browser, page, shop }) => {
  test.setTimeout(60_000);
  await page.goto('/products');
  await waitForHydration(page);
  await page.getByRole('button', { name: 'Add to cart: Summit Laptop Backpack' }).click();
  await page.goto('/cart');
  await waitForHydration(page);
  const line = page.getByTestId('cart-line').filter({ hasText: 'Summit Laptop Backpack' });
  await expect(line).toBeVisible();
  await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });

  const staff = await browser.newContext({ baseURL: shop.baseURL });
  expect((await staff.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  const current = await (await staff.request.post('/api/staff_product', { form: { id: 'summit-backpack' } })).json();
  const r = await staff.request.post('/api/update_product', {
    form: {
      id: 'summit-backpack', version: String(current.version), name: current.product.name, description: current.product.description,
      category: current.product.category, price: '71.00',
    },
  });
  expect(r.status(), await r.text()).toBe(200);
  await expect(line.getByTestId('price-changed')).toBeVisible({ timeout: 2_000 });
  await expect(line).toContainText('$71.00 each');
  await expect(page.getByTestId('subtotal')).toHaveText('$71.00');
  await expect(page.getByTestId('toast').filter({ hasText: 'changed from' })).toBeVisible();
  await staff.close();
});
