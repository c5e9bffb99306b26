// Product pictures from staff's side: an SVG is refused beside the file field; a PNG is taken,
// and the product's page offers it in its widths, where Chromium picks the WebP copy. The PNG is
// made here (a gradient, written with Node's zlib), on a product the test creates.
import { deflateSync } from 'node:zlib';
import { test, expect, STAFF } from './support/server';
import { signIn, waitForHydration } from './support/flows';

function crc32(bytes: Buffer): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** An RGB PNG of `w` × `h` pixels. */
function png(w: number, h: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // RGB
  const rows = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const at = y * (w * 3 + 1) + 1 + x * 3;
      rows[at] = (x * 255) / w;
      rows[at + 1] = (y * 255) / h;
      rows[at + 2] = 160;
    }
  }
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

test('staff upload a picture; the product page offers it, WebP in Chromium', async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page, STAFF.email, STAFF.password);
  const created = await page.request.post('/api/create_product', {
    form: { name: `Prism lamp ${Date.now()}`, description: 'A lamp that splits light.', category: 'Home', price: '49.00', stock: '40' },
  });
  expect(created.status(), await created.text()).toBe(200);
  const id = (await created.json()).product.id as string;

  await page.goto(`/staff/products/${id}`);
  await waitForHydration(page);
  const file = page.getByLabel('Picture file');
  await file.setInputFiles({ name: 'lamp.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') });
  await page.getByRole('button', { name: 'Upload picture' }).click();
  await expect(page.getByTestId('error-image')).toContainText('PNG, JPEG or WebP');

  await page.getByLabel('Picture file').setInputFiles({ name: 'lamp.png', mimeType: 'image/png', buffer: png(800, 600) });
  await page.getByRole('button', { name: 'Upload picture' }).click();
  await expect(page.getByTestId('saved-notice')).toContainText('new picture');

  await page.goto(`/products/${id}`);
  const img = page.getByTestId('product-card').locator('img');
  await expect(img).toHaveAttribute('srcset', new RegExp(`/media/${id}-[0-9a-f]+-320\\.jpg 320w, /media/${id}-[0-9a-f]+-640\\.jpg 640w`));
  await expect.poll(() => img.evaluate((i: HTMLImageElement) => i.complete && i.naturalWidth), { timeout: 10_000 }).toBeGreaterThan(0);
  expect(await img.evaluate((i: HTMLImageElement) => i.currentSrc)).toMatch(/\.webp$/);
});
