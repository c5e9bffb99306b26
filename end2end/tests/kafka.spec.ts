// Any Kafka client can subscribe to the shop's events: a kafkajs consumer group (the Node.js
// client the system we replace used), reading `order-events` from the beginning on the embedded
// broker, gets every event of a burst of orders. kafkajs decodes gzip and uncompressed batches
// by itself, not LZ4 or zstd: the relay's default compression must be one it reads. Only the
// records keyed by this test's orders are judged: the topic also holds other tests' orders, the
// catalog's events and the hand-written hostile records of forged.spec.ts.
import { Kafka, logLevel } from 'kafkajs';
import { test, expect } from './support/server';
import { uniqueEmail } from './support/flows';

const SHIPPING = {
  first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com', address: '12 Analytical Way',
  city: 'New York', state: 'NY', zip: '10001',
};
const BURST = 25;

test('a kafkajs consumer group reads every event of a burst of orders', async ({ page, shop }) => {
  test.setTimeout(120_000);
  const kafka = new Kafka({
    clientId: 'e2e-kafkajs',
    brokers: [`127.0.0.1:${shop.brokerPort}`],
    logLevel: logLevel.WARN,
    retry: { retries: 8 },
  });
  const consumer = kafka.consumer({ groupId: `e2e-group-${Date.now()}` });
  const read: { key: string; value: string }[] = [];
  const failures: string[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'order-events', fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        read.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
      },
    });
    consumer.on(consumer.events.CRASH, (e) => failures.push(`crash: ${e.payload.error}`));

    const registered = await page.request.post('/api/register', {
      form: { name: 'Kafka Shopper', email: uniqueEmail('kafkajs'), password: 'correct-horse-battery' },
    });
    expect(registered.status(), await registered.text()).toBe(200);
    const placed = await Promise.all(
      Array.from({ length: BURST }, async (_, i) => {
        const r = await page.request.post('/api/place_order', {
          form: { ...SHIPPING, cart: i % 2 ? 'canvas-notebook:1' : 'ridge-mug:1', idempotency_key: `kjs${Date.now()}-${i}` },
        });
        expect(r.status(), await r.text()).toBe(200);
        return (await r.json()).order.id as string;
      }),
    );
    const ours = () => read.filter((m) => placed.includes(m.key));
    const parsed = (value: string) => {
      try {
        return JSON.parse(value);
      } catch (e) {
        return { unreadable: String(e) };
      }
    };
    const created = () => new Set(ours().map((m) => parsed(m.value)).filter((e) => e.type === 'order.created').map((e) => e.order_id));
    await expect
      .poll(() => placed.filter((id) => !created().has(id)).length, { timeout: 60_000, message: 'orders the kafkajs group has not read' })
      .toBe(0);
    const unreadable = ours().filter((m) => 'unreadable' in parsed(m.value));
    expect(unreadable, 'events of these orders that are not JSON').toEqual([]);
    expect(failures).toEqual([]);
  } finally {
    await consumer.disconnect();
  }
});
