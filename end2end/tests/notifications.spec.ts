// "Notify me" and the notifications a shopper gets: a shopper asks to hear when a sold-out
// product is back; staff restock it in their own browser; the shopper, on another page, gets a
// toast and the bell's count within 2 s, finds it on /notifications and marks it read.
import { test, expect, STAFF } from './support/server';
import { signUp, uniqueEmail, waitForHydration } from './support/flows';

test('a restock reaches the shopper who asked, as a toast, on the bell and in the list', async ({ browser, page, shop }) => {
  test.setTimeout(90_000);
  const staff = await browser.newContext({ baseURL: shop.baseURL });
  expect((await staff.request.post('/api/login', { form: STAFF })).status()).toBe(200);
  const setStock = async (action: 'add' | 'set', quantity: string) => {
    const r = await staff.request.post('/api/change_stock', { form: { id: 'brew-kettle', action, quantity, reason: 'count_correction' } });
    expect(r.status(), await r.text()).toBe(200);
  };
  await setStock('set', '0');

  try {
    await signUp(page, uniqueEmail('notify'));
    const bell = page.getByTestId('notification-bell');
    await expect(bell).toHaveAccessibleName('Notifications, none unread');
    await page.goto('/products/brew-kettle');
    await waitForHydration(page);
    await expect(page.getByTestId('stock')).toHaveText('Out of stock');
    await page.getByRole('button', { name: "Notify me when it's back" }).click();
    await expect(page.getByTestId('restock-watching')).toHaveText('We will tell you when it is back.');

    // On to the catalog, live; staff restock in their own browser.
    await page.getByRole('link', { name: 'Products', exact: true }).click();
    await waitForHydration(page);
    await expect(page.getByTestId('connection-status').first()).toHaveAttribute('data-state', 'live', { timeout: 10_000 });
    const restockedAt = Date.now();
    await setStock('add', '4');
    await expect(page.getByTestId('toast').filter({ hasText: 'Brew Pour-Over Kettle is back in stock' })).toBeVisible({ timeout: 2_000 });
    expect(Date.now() - restockedAt, 'the toast within 2 s of the restock').toBeLessThan(4_000);
    await expect(bell).toHaveAccessibleName('Notifications, 1 unread');
    await expect(page.getByTestId('notification-count')).toHaveText('1');

    // The list has it, unread; marking it read clears the bell.
    await bell.click();
    await waitForHydration(page);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Notifications');
    const item = page.getByTestId('notification').first();
    await expect(item).toContainText('Brew Pour-Over Kettle is back in stock');
    await expect(item).toHaveAttribute('data-read', 'false');
    await item.getByRole('button', { name: 'Mark as read: Brew Pour-Over Kettle is back in stock' }).click();
    await expect(page.getByTestId('notification').first()).toHaveAttribute('data-read', 'true');
    await expect(bell).toHaveAccessibleName('Notifications, none unread');
    await expect(page.getByTestId('notification-count')).toBeHidden();

    // The link leads to the product, on sale again; "Notify me" is gone with the stock back.
    await page.getByRole('link', { name: 'Brew Pour-Over Kettle is back in stock' }).click();
    await waitForHydration(page);
    await expect(page.getByTestId('stock')).toHaveText('Only 4 left');
    await expect(page.getByRole('button', { name: "Notify me when it's back" })).toBeHidden();
  } finally {
    // Sold out again, as the shop was seeded (the smoke test counts on it).
    await setStock('set', '0');
    await staff.close();
  }
});
