// select: columns, renames, embeds (to-many, to-one, nested), !inner, filters/order/limit inside
// embeds.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';

import {
  T, admin, reader, ok, pick, byId, countries, acmeCustomers, readerCustomers, acmeProducts,
  orderStatus, itemsOf,
} from './env.mjs';

// order id -> customer id, for the acme tenant (checked against the generation rules below).
let orderOf;

before(async () => {
  const rows = ok(await admin.from('orders').select('id,customer_id,status').order('id'), 'orders');
  orderOf = new Map(rows.map((o) => [o.customer_id, o.id]));
});

test('every acme customer has exactly one order, with the status the demo data gives it', T, async () => {
  const rows = ok(await admin.from('orders').select('id,customer_id,tenant_id,status').order('id'));
  assert.equal(rows.length, acmeCustomers.length);
  assert.deepEqual(rows.map((o) => o.customer_id).sort((a, b) => a - b), acmeCustomers.map((c) => c.id));
  for (const o of rows) {
    assert.equal(o.tenant_id, 'acme');
    assert.equal(o.status, orderStatus(o.customer_id), `order ${o.id}`);
  }
});

test('select named columns in the order asked', T, async () => {
  const data = ok(await reader.from('countries').select('name,code').order('code'));
  assert.deepEqual(data, countries.map((c) => ({ name: c.name, code: c.code })));
  assert.deepEqual(Object.keys(data[0]), ['name', 'code']);
});

test('select() without arguments is select=*', T, async () => {
  const data = ok(await reader.from('products').select().order('id'));
  assert.deepEqual(data, acmeProducts);
});

test('renames with alias:column', T, async () => {
  const data = ok(await reader.from('countries').select('iso:code, label:name').eq('code', 'JP'));
  assert.deepEqual(data, [{ iso: 'JP', label: 'Japan' }]);
});

test('to-many embed: customers with orders(id,status)', T, async () => {
  const data = ok(
    await admin.from('customers').select('id,name,orders(id,status)').order('id').limit(5),
  );
  assert.deepEqual(
    data,
    acmeCustomers.slice(0, 5).map((c) => ({
      id: c.id,
      name: c.name,
      orders: [{ id: orderOf.get(c.id), status: orderStatus(c.id) }],
    })),
  );
});

test('to-one embed: orders with customers(name) is an object', T, async () => {
  const data = ok(await admin.from('orders').select('id,customer_id,customers(name)').order('id'));
  assert.equal(data.length, acmeCustomers.length);
  for (const o of data) {
    assert.deepEqual(o.customers, { name: `Customer ${o.customer_id}` }, `order ${o.id}`);
  }
});

test('renamed and nested embeds: order -> items -> product', T, async () => {
  const id = orderOf.get(2);
  const data = ok(
    await admin
      .from('orders')
      .select('id, customer:customers(name), items:order_items(product_id, quantity, product:products(name, price))')
      .eq('id', id)
      .order('product_id', { referencedTable: 'items' })
      .single(),
  );
  assert.deepEqual(data, {
    id,
    customer: { name: 'Customer 2' },
    items: itemsOf(id, 'acme').map((i) => {
      const p = acmeProducts.find((x) => x.id === i.product_id);
      return { product_id: i.product_id, quantity: i.quantity, product: { name: p.name, price: p.price } };
    }),
  });
  assert.equal(data.items.length, 2);
});

test('filter on an embedded table filters the embed, not the parent', T, async () => {
  const data = ok(
    await reader.from('customers').select('id,orders(id,status)').eq('orders.status', 'paid').order('id'),
  );
  assert.deepEqual(
    data,
    readerCustomers.map((c) => ({
      id: c.id,
      orders: orderStatus(c.id) === 'paid' ? [{ id: orderOf.get(c.id), status: 'paid' }] : [],
    })),
  );
});

test('!inner embed with a filter drops parents without a match', T, async () => {
  const data = ok(
    await reader.from('customers').select('id,orders!inner(status)').eq('orders.status', 'paid').order('id'),
  );
  const expected = readerCustomers.filter((c) => orderStatus(c.id) === 'paid');
  assert.ok(expected.length > 0);
  assert.deepEqual(data, expected.map((c) => ({ id: c.id, orders: [{ status: 'paid' }] })));
});

test('!inner to-one embed filters parents by the embedded row', T, async () => {
  const data = ok(
    await admin.from('orders').select('id,customers!inner(country_code)').eq('customers.country_code', 'US').order('id'),
  );
  const expected = acmeCustomers.filter((c) => c.country_code === 'US');
  assert.deepEqual(
    data,
    expected.map((c) => ({ id: orderOf.get(c.id), customers: { country_code: 'US' } })).sort(byId),
  );
});

test('or, order and limit inside an embed (referencedTable)', T, async () => {
  const ids = [2, 4, 6];
  const data = ok(
    await admin
      .from('orders')
      .select('id,order_items(product_id,quantity)')
      .in('id', ids.map((c) => orderOf.get(c)))
      .order('id')
      .order('product_id', { referencedTable: 'order_items', ascending: false })
      .limit(1, { referencedTable: 'order_items' }),
  );
  assert.deepEqual(
    data,
    ids.map((c) => orderOf.get(c)).sort((a, b) => a - b).map((id) => {
      const items = itemsOf(id, 'acme').sort((a, b) => b.product_id - a.product_id);
      return { id, order_items: [pick(items[0], ['product_id', 'quantity'])] };
    }),
  );

  const filtered = ok(
    await admin
      .from('customers')
      .select('id,orders(status)')
      .in('id', [2, 4, 6])
      .or('status.eq.open,status.eq.paid', { referencedTable: 'orders' })
      .order('id'),
  );
  assert.deepEqual(
    filtered,
    [2, 4, 6].map((id) => ({
      id,
      orders: ['open', 'paid'].includes(orderStatus(id)) ? [{ status: orderStatus(id) }] : [],
    })),
  );
});

test('embedded rows stay within the caller tenant', T, async () => {
  const data = ok(await admin.from('customers').select('tenant_id,orders(tenant_id,order_items(tenant_id))'));
  assert.equal(data.length, acmeCustomers.length);
  const tenants = new Set();
  for (const c of data) {
    tenants.add(c.tenant_id);
    for (const o of c.orders) {
      tenants.add(o.tenant_id);
      for (const i of o.order_items) tenants.add(i.tenant_id);
    }
  }
  assert.deepEqual([...tenants], ['acme']);
});

test('casts in select', T, async () => {
  const data = ok(await reader.from('customers').select('id::text,label:name::varchar').eq('id', 2));
  assert.deepEqual(data, [{ id: '2', label: 'Customer 2' }]);
});

test('many-to-many through order_items, both ways', T, async () => {
  const id = orderOf.get(2);
  const products = ok(
    await reader.from('orders').select('id,products(id,name)').eq('id', id).order('id', { referencedTable: 'products' }).single(),
  );
  assert.deepEqual(products, {
    id,
    products: itemsOf(id, 'acme').map((i) => ({ id: i.product_id, name: `Product ${i.product_id}` })),
  });

  const orders = ok(
    await reader.from('products').select('id,orders(id)').eq('id', 2).order('id', { referencedTable: 'orders' }).single(),
  );
  const expected = [...orderOf.values()].filter((o) => o % 5 === 2 % 5).sort((a, b) => a - b);
  assert.ok(expected.length > 0);
  assert.deepEqual(orders, { id: 2, orders: expected.map((o) => ({ id: o })) });
});

test('embed disambiguated with a foreign-key hint, by column and by constraint name', T, async () => {
  const id = orderOf.get(4);
  for (const hint of ['customer_id', 'orders_customer_id_fkey']) {
    const data = ok(await reader.from('orders').select(`id,customers!${hint}(name)`).eq('id', id).single());
    assert.deepEqual(data, { id, customers: { name: 'Customer 4' } }, hint);
  }
});

test('spread of a to-one embed', T, async () => {
  const id = orderOf.get(6);
  const data = ok(await reader.from('orders').select('id,...customers(customer:name,country_code)').eq('id', id).single());
  assert.deepEqual(data, { id, customer: 'Customer 6', country_code: 'FR' });
});

test('range() inside an embed (referencedTable)', T, async () => {
  const data = ok(
    await reader
      .from('products')
      .select('id,orders(id)')
      .eq('id', 2)
      .order('id', { referencedTable: 'orders' })
      .range(1, 2, { referencedTable: 'orders' })
      .single(),
  );
  const expected = [...orderOf.values()].filter((o) => o % 5 === 2).sort((a, b) => a - b).slice(1, 3);
  assert.deepEqual(data, { id: 2, orders: expected.map((o) => ({ id: o })) });
});

test("count: 'exact' counts the parents an !inner embed keeps", T, async () => {
  const result = await reader
    .from('customers')
    .select('id,orders!inner(id)', { count: 'exact', head: true })
    .eq('orders.status', 'paid');
  assert.equal(result.error, null, JSON.stringify(result.error));
  assert.equal(result.count, readerCustomers.filter((c) => orderStatus(c.id) === 'paid').length);
});

test('null filter on an embedded resource (PostgREST customers=not.is.null, customers=is.null)', T, async () => {
  // For the reader, the orders of archived customers embed `null` (the customers row filter).
  const all = ok(await reader.from('orders').select('id,customers(id)').order('id'));
  const withCustomer = all.filter((o) => o.customers !== null);
  assert.ok(withCustomer.length > 0 && withCustomer.length < all.length);
  const present = ok(
    await reader.from('orders').select('id,customers(id)').not('customers', 'is', null).order('id'),
  );
  assert.deepEqual(present, withCustomer);
  const absent = ok(await reader.from('orders').select('id,customers()').is('customers', null).order('id'));
  assert.deepEqual(absent.map((o) => o.id), all.filter((o) => o.customers === null).map((o) => o.id));
});
