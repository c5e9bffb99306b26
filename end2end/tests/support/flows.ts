// Steps several browser tests share: signing up, filling the cart, checking out.
import { expect, type Page } from '@playwright/test';

let counter = 0;

/** A unique email per call, so tests never collide on the unique-email rule. */
export function uniqueEmail(tag: string): string {
  counter += 1;
  return `${tag}-${Date.now()}-${counter}@example.test`;
}

export async function waitForHydration(page: Page): Promise<void> {
  // aria-busy: an in-place navigation is under way, and the page still showing is the old one.
  await page.waitForFunction(
    () => document.body.dataset.hydrated === 'true' && !document.documentElement.hasAttribute('aria-busy'),
  );
}

export async function signUp(page: Page, email: string, password = 'correct-horse-battery'): Promise<void> {
  await page.goto('/register');
  await waitForHydration(page);
  await page.getByLabel('Name').fill('Test Shopper');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password (at least 8 characters)').fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await waitForHydration(page);
  await expect(page.getByTestId('account-name')).toContainText('Test Shopper');
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/login');
  await waitForHydration(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await waitForHydration(page);
}

/** Fills step 1 of the checkout (shipping details); `zip` lets a test enter a bad one. */
export async function fillShipping(page: Page, zip = '10001'): Promise<void> {
  await page.getByLabel('First name').fill('Ada');
  await page.getByLabel('Last name').fill('Lovelace');
  await page.getByLabel('Email').fill('ada@example.com');
  await page.getByLabel('Address').fill('12 Analytical Way');
  await page.getByLabel('City').fill('New York');
  await page.getByLabel('State').fill('NY');
  await page.getByLabel('ZIP').fill(zip);
}

/** Checks out whatever is in the cart, through every step. Returns the new order's id. */
export async function checkOut(page: Page): Promise<string> {
  await page.goto('/checkout');
  await waitForHydration(page);
  await fillShipping(page);
  await page.getByRole('button', { name: 'Continue to review' }).click();
  await expect(page.getByTestId('review-total')).toBeVisible();
  await page.getByRole('button', { name: 'Place order' }).click();
  await page.waitForURL(/\/orders\/[0-9A-Z]+\?placed=1/);
  await expect(page.getByTestId('order-confirmation')).toBeVisible();
  return new URL(page.url()).pathname.split('/').pop() as string;
}

/** Holds every WASM download back until the returned function is called, as on a slow link. */
export async function holdWasm(page: Page): Promise<() => Promise<void>> {
  let release: () => void = () => {};
  const released = new Promise<void>((resolve) => (release = resolve));
  const pattern = /\/pkg\/.*\.wasm$/;
  await page.route(pattern, async (route) => {
    await released;
    await route.continue();
  });
  return async () => {
    release();
    await waitForHydration(page);
    await page.unroute(pattern);
  };
}
