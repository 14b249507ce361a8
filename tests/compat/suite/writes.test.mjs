// Writes through postgrest-js as the demo's admin (tenant acme): insert, upsert, update, delete,
// their representations and errors, and the policy on writes (the server writes the tenant,
// `customers.ssn` is encrypted, `created_at` is read-only for the admin, the reader may not write).
//
// Every row this file creates has a name starting with MARK. `after` deletes them by id as the
// admin, then sweeps anything MARKed that is left (as `before` does for a run that was killed
// half-way), and checks that the acme data is again exactly what schema.sql generates, so the
// file can run again on the same demo. The read suites expect that data: run.sh runs the files one
// at a time (--test-concurrency=1) so that no read test sees these rows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';

import {
  T, admin, reader, ok, pick, expectError, maskEmail, maskLast4,
  acmeCustomers, acmeProducts, itemsOf,
} from './env.mjs';

const MARK = 'compat-w';
const ids = (rows) => rows.map((r) => r.id);
const sortById = (rows) => [...rows].sort((a, b) => a.id - b.id);

// What this file created, by table, deleted by id in `after`.
const created = { orders: new Set(), customers: new Set(), products: new Set() };
function track(table, rows) {
  for (const row of Array.isArray(rows) ? rows : [rows]) {
    assert.ok(Number.isInteger(row?.id), `${table}: no id in ${JSON.stringify(row)}`);
    created[table].add(row.id);
  }
  return rows;
}
function untrack(table, rows) {
  for (const row of rows) created[table].delete(row.id);
}

// Deletes every row whose name starts with MARK, and what hangs on them (orders of those
// customers, with their items by cascade; items of those products).
async function sweep() {
  const customers = ids(ok(await admin.from('customers').select('id').like('name', `${MARK}%`), 'sweep customers'));
  const products = ids(ok(await admin.from('products').select('id').like('name', `${MARK}%`), 'sweep products'));
  if (customers.length > 0) {
    const orders = ids(ok(await admin.from('orders').select('id').in('customer_id', customers), 'sweep orders'));
    if (orders.length > 0) ok(await admin.from('orders').delete().in('id', orders), 'sweep: delete orders');
  }
  if (products.length > 0) {
    ok(await admin.from('order_items').delete().in('product_id', products), 'sweep: delete items');
    ok(await admin.from('products').delete().in('id', products), 'sweep: delete products');
  }
  if (customers.length > 0) ok(await admin.from('customers').delete().in('id', customers), 'sweep: delete customers');
}

// The customer columns `after` compares with the rows schema.sql generates.
const demoCustomerColumns = ['id', 'tenant_id', 'name', 'email', 'phone', 'ssn', 'notes', 'status', 'country_code'];

before(async () => {
  await sweep();
});

after(async () => {
  // By id first: orders (their items go by cascade), then items on our products, then the rest.
  if (created.orders.size > 0) ok(await admin.from('orders').delete().in('id', [...created.orders]), 'cleanup orders');
  if (created.products.size > 0) {
    ok(await admin.from('order_items').delete().in('product_id', [...created.products]), 'cleanup items');
    ok(await admin.from('products').delete().in('id', [...created.products]), 'cleanup products');
  }
  if (created.customers.size > 0) ok(await admin.from('customers').delete().in('id', [...created.customers]), 'cleanup customers');
  // Anything MARKed that a failed test did not report.
  await sweep();

  // The acme data is again exactly what schema.sql generates.
  assert.deepEqual(
    ok(await admin.from('customers').select(demoCustomerColumns.join(',')).order('id')),
    acmeCustomers.map((c) => pick(c, demoCustomerColumns)),
  );
  assert.deepEqual(ok(await admin.from('products').select().order('id')), acmeProducts);
  const orders = ok(await admin.from('orders').select('id,customer_id,order_items(product_id,quantity)').order('id'));
  assert.deepEqual(orders.map((o) => o.customer_id).sort((a, b) => a - b), acmeCustomers.map((c) => c.id));
  for (const o of orders) {
    assert.deepEqual(
      [...o.order_items].sort((a, b) => a.product_id - b.product_id),
      itemsOf(o.id, 'acme').map((i) => pick(i, ['product_id', 'quantity'])),
      `items of order ${o.id}`,
    );
  }
});

const productOf = (row) => ({ tenant_id: 'acme', tags: [], ...row });

// ---- insert ----

test('insert one row with .select(): 201 and the row as stored', T, async () => {
  const result = await admin.from('products').insert({ name: `${MARK} one`, price: 12.5, tags: ['w1'] }).select();
  assert.equal(result.status, 201, JSON.stringify(result.error));
  const rows = track('products', ok(result));
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.ok(row.id > acmeProducts.at(-1).id, `a new id: ${row.id}`);
  assert.deepEqual(row, { id: row.id, tenant_id: 'acme', name: `${MARK} one`, price: 12.5, tags: ['w1'] });
  assert.deepEqual(ok(await admin.from('products').select().eq('id', row.id)), [row]);
  // Same tenant: the reader sees it as well.
  assert.deepEqual(ok(await reader.from('products').select().eq('id', row.id)), [row]);
});

test('insert without .select() (return=minimal): 201 and no body; defaults apply', T, async () => {
  const result = await admin.from('products').insert({ name: `${MARK} minimal`, price: 0 });
  assert.equal(result.error, null, JSON.stringify(result.error));
  assert.equal(result.status, 201);
  assert.equal(result.data, null);
  const rows = track('products', ok(await admin.from('products').select().eq('name', `${MARK} minimal`)));
  assert.deepEqual(rows, [productOf({ id: rows[0]?.id, name: `${MARK} minimal`, price: 0 })]);
});

test('insert with .select(columns).single() returns one object', T, async () => {
  const result = await admin.from('products').insert({ name: `${MARK} single`, price: 1.25 }).select('id,name,price').single();
  assert.equal(result.status, 201, JSON.stringify(result.error));
  const row = track('products', ok(result));
  assert.deepEqual(row, { id: row.id, name: `${MARK} single`, price: 1.25 });
});

test('insert many: one request, the rows in the order sent', T, async () => {
  const body = [1, 2, 3].map((i) => ({ name: `${MARK} many ${i}`, price: i * 1.5, tags: [`m${i}`, 'many'] }));
  const result = await admin.from('products').insert(body).select('id,tenant_id,name,price,tags');
  assert.equal(result.status, 201, JSON.stringify(result.error));
  const rows = track('products', ok(result));
  assert.deepEqual(rows.map(({ id, ...rest }) => rest), body.map((b) => ({ tenant_id: 'acme', ...b })));
  assert.deepEqual(ids(rows), [...ids(rows)].sort((a, b) => a - b), 'ids follow the body order');
  assert.deepEqual(ok(await admin.from('products').select('id,tenant_id,name,price,tags').in('id', ids(rows)).order('id')), rows);
  assert.deepEqual(ids(ok(await admin.from('products').select('id').contains('tags', ['many']).order('id'))), ids(rows));
});

const partialBody = [
  { name: `${MARK} dtn 1`, price: 1, tags: ['x'] },
  { name: `${MARK} dtn 2`, price: 2 },
];

test('insert many with a key missing from one row: NULL, not the column default (23502 here)', T, async () => {
  // postgrest-js sends columns="name","price","tags": the second row's tags is NULL, and tags is
  // NOT NULL. The whole statement fails: the first row is not written either.
  expectError(await admin.from('products').insert(partialBody).select('id'), '23502', 400);
  assert.deepEqual(ok(await admin.from('products').select('id').like('name', `${MARK} dtn%`)), []);
});

// ---- tenancy on writes ----

test('the server writes the tenant: naming acme is accepted, another tenant is GH112 (403)', T, async () => {
  const own = track('products', ok(
    await admin.from('products').insert({ tenant_id: 'acme', name: `${MARK} tenant acme`, price: 3 }).select('id,tenant_id').single(),
  ));
  assert.equal(own.tenant_id, 'acme');

  expectError(await admin.from('products').insert({ tenant_id: 'globex', name: `${MARK} tenant globex`, price: 3 }), 'GH112', 403);
  expectError(
    await admin.from('products').insert([
      { name: `${MARK} tenant bulk 1`, price: 1, tenant_id: 'acme' },
      { name: `${MARK} tenant bulk 2`, price: 1, tenant_id: 'globex' },
    ]).select('id'),
    'GH112',
    403,
  );
  expectError(
    await admin.from('customers').insert({ tenant_id: 'globex', name: `${MARK} tenant`, email: `tenant@${MARK}.test` }),
    'GH112',
    403,
  );
  assert.deepEqual(ok(await admin.from('products').select('id').like('name', `${MARK} tenant %`)), [{ id: own.id }]);
  assert.deepEqual(ok(await admin.from('customers').select('id').like('name', `${MARK} tenant%`)), []);

  // An update cannot move a row to another tenant.
  expectError(await admin.from('products').update({ tenant_id: 'globex' }).eq('id', own.id).select('id'), 'GH112', 403);
  assert.deepEqual(ok(await admin.from('products').select('id,tenant_id').eq('id', own.id)), [{ id: own.id, tenant_id: 'acme' }]);
});

test("filters cannot reach another tenant's rows: update and delete of globex ids change nothing", T, async () => {
  // Customer 3 and product 1 are globex's (odd ids).
  assert.deepEqual(ok(await admin.from('customers').update({ name: `${MARK} hijacked` }).eq('id', 3).select('id')), []);
  assert.deepEqual(ok(await admin.from('products').update({ price: 0 }).or('id.eq.1,tenant_id.eq.globex').select('id')), []);
  assert.deepEqual(ok(await admin.from('products').delete().eq('id', 1).select('id')), []);
  assert.deepEqual(ok(await admin.from('order_items').delete().eq('tenant_id', 'globex').select('order_id')), []);
});

// ---- customers: encrypted ssn, read-only created_at ----

test('customers.ssn: the admin writes plaintext and reads it back decrypted; the reader never sees it', T, async () => {
  const body = {
    name: `${MARK} Ada`,
    email: `ada@${MARK}.test`,
    phone: '+1-555-0199',
    ssn: '123-45-6789',
    country_code: 'DE',
  };
  const started = Date.now();
  const result = await admin.from('customers').insert(body).select('id,tenant_id,name,email,phone,ssn,notes,status,country_code,created_at').single();
  assert.equal(result.status, 201, JSON.stringify(result.error));
  const row = track('customers', ok(result));
  const { created_at: createdAt, ...rest } = row;
  assert.deepEqual(rest, { id: row.id, tenant_id: 'acme', ...body, notes: null, status: 'active' });
  // created_at is the column default (now()), on the same machine's clock.
  assert.ok(Math.abs(Date.parse(createdAt) - started) < 10 * 60 * 1000, `created_at ${createdAt}`);

  assert.deepEqual(ok(await admin.from('customers').select('ssn').eq('id', row.id)), [{ ssn: '123-45-6789' }]);
  // The reader sees the new customer (same tenant, active) with its masks, without ssn and notes.
  const seen = ok(await reader.from('customers').select('*').eq('id', row.id).single());
  assert.deepEqual(seen, {
    id: row.id,
    tenant_id: 'acme',
    name: body.name,
    email: maskEmail(body.email),
    phone: maskLast4(body.phone),
    status: 'active',
    country_code: 'DE',
    created_at: createdAt,
  });
  const hidden = await reader.from('customers').select('id,ssn').eq('id', row.id);
  expectError(hidden, '42703', 400);

  // An update re-encrypts; the representation and a read give the new plaintext.
  const updated = ok(await admin.from('customers').update({ ssn: '987-65-4321' }).eq('id', row.id).select('id,ssn'));
  assert.deepEqual(updated, [{ id: row.id, ssn: '987-65-4321' }]);
  assert.deepEqual(ok(await admin.from('customers').select('ssn').eq('id', row.id)), [{ ssn: '987-65-4321' }]);
  // Still not a filter, even on a write.
  expectError(await admin.from('customers').update({ name: `${MARK} x` }).eq('ssn', '987-65-4321'), 'GH101', 400);
});

test('customers.created_at is read-only for the admin: GH104 on insert and on update', T, async () => {
  expectError(
    await admin.from('customers').insert({ name: `${MARK} ro`, email: `ro@${MARK}.test`, created_at: '2001-01-01T00:00:00Z' }),
    'GH104',
    400,
  );
  assert.deepEqual(ok(await admin.from('customers').select('id').eq('email', `ro@${MARK}.test`)), []);

  const row = track('customers', ok(
    await admin.from('customers').insert({ name: `${MARK} ro`, email: `ro@${MARK}.test` }).select('id,created_at').single(),
  ));
  expectError(await admin.from('customers').update({ created_at: '2001-01-01T00:00:00Z' }).eq('id', row.id), 'GH104', 400);
  expectError(
    await admin.from('customers').update({ name: `${MARK} ro 2`, created_at: '2001-01-01T00:00:00Z' }).eq('id', row.id),
    'GH104',
    400,
  );
  assert.deepEqual(ok(await admin.from('customers').select('id,name,created_at').eq('id', row.id)), [
    { id: row.id, name: `${MARK} ro`, created_at: row.created_at },
  ]);
});

// ---- upsert ----

test("upsert with onConflict 'tenant_id,email': merge-duplicates updates, ignoreDuplicates skips", T, async () => {
  const onConflict = 'tenant_id,email';
  const u = (n, suffix = '') => ({ name: `${MARK} u${n}${suffix}`, email: `u${n}@${MARK}.test` });

  const first = await admin.from('customers').upsert([u(1), u(2)], { onConflict }).select('id,name,email');
  assert.equal(first.status, 201, JSON.stringify(first.error));
  const [u1, u2] = track('customers', ok(first));
  assert.deepEqual([u1, u2], [{ id: u1.id, ...u(1) }, { id: u2.id, ...u(2) }]);

  // u1 exists: updated in place (same id); u3 is new.
  const second = await admin.from('customers').upsert([u(1, ' merged'), u(3)], { onConflict }).select('id,name,email');
  assert.equal(second.status, 201, JSON.stringify(second.error));
  const merged = ok(second);
  track('customers', merged);
  const u3 = merged.find((r) => r.email === u(3).email);
  assert.deepEqual(sortById(merged), [{ id: u1.id, ...u(1, ' merged') }, { id: u3?.id, ...u(3) }]);

  // ignoreDuplicates: u1 is left alone and not returned; u4 is inserted.
  const third = await admin.from('customers').upsert([u(1, ' ignored'), u(4)], { onConflict, ignoreDuplicates: true }).select('id,name,email');
  assert.equal(third.status, 201, JSON.stringify(third.error));
  const inserted = track('customers', ok(third));
  assert.deepEqual(inserted, [{ id: inserted[0]?.id, ...u(4) }]);

  assert.deepEqual(ok(await admin.from('customers').select('id,name,email').like('email', `u_@${MARK}.test`).order('id')), [
    { id: u1.id, ...u(1, ' merged') },
    { id: u2.id, ...u(2) },
    { id: u3.id, ...u(3) },
    { id: inserted[0].id, ...u(4) },
  ]);

  // The unique key is per tenant: globex's customer3@example.com does not conflict in acme.
  const sameEmail = track('customers', ok(
    await admin.from('customers').upsert({ name: `${MARK} c3`, email: 'customer3@example.com' }, { onConflict }).select('id,tenant_id,email').single(),
  ));
  assert.deepEqual(sameEmail, { id: sameEmail.id, tenant_id: 'acme', email: 'customer3@example.com' });
});

test('upsert on the primary key (order_items), embeds in the representation, and a conflict with another tenant (GH131)', T, async () => {
  const customer = track('customers', ok(
    await admin.from('customers').insert({ name: `${MARK} buyer`, email: `buyer@${MARK}.test` }).select('id').single(),
  ));
  const order = track('orders', ok(
    await admin.from('orders').insert({ customer_id: customer.id }).select('id,tenant_id,status,customers(name)').single(),
  ));
  assert.deepEqual(order, { id: order.id, tenant_id: 'acme', status: 'open', customers: { name: `${MARK} buyer` } });
  const [p1, p2] = track('products', ok(
    await admin.from('products').insert([{ name: `${MARK} item 1`, price: 2 }, { name: `${MARK} item 2`, price: 4 }]).select('id'),
  ));

  // No onConflict: the primary key (order_id, product_id).
  const inserted = await admin.from('order_items')
    .upsert([{ order_id: order.id, product_id: p1.id, quantity: 1 }, { order_id: order.id, product_id: p2.id, quantity: 2 }])
    .select('order_id,product_id,tenant_id,quantity');
  assert.equal(inserted.status, 201, JSON.stringify(inserted.error));
  assert.deepEqual(ok(inserted), [
    { order_id: order.id, product_id: p1.id, tenant_id: 'acme', quantity: 1 },
    { order_id: order.id, product_id: p2.id, tenant_id: 'acme', quantity: 2 },
  ]);
  const merged = ok(
    await admin.from('order_items').upsert({ order_id: order.id, product_id: p1.id, quantity: 5 }).select('quantity,products(name)'),
  );
  assert.deepEqual(merged, [{ quantity: 5, products: { name: `${MARK} item 1` } }]);
  assert.deepEqual(
    ok(await admin.from('orders').select('id,order_items(product_id,quantity)').eq('id', order.id).order('product_id', { referencedTable: 'order_items' }).single()),
    { id: order.id, order_items: [{ product_id: p1.id, quantity: 5 }, { product_id: p2.id, quantity: 2 }] },
  );

  // A globex order item: the lowest order id the admin cannot see is globex's (ids follow the
  // customers), and its items are generated by the same rule as acme's.
  const acmeOrders = new Set(ids(ok(await admin.from('orders').select('id'))));
  const globexOrder = [...Array(acmeCustomers.length * 2).keys()].map((k) => k + 1).find((id) => !acmeOrders.has(id));
  const [theirs] = itemsOf(globexOrder, 'globex');
  assert.ok(theirs, `globex order ${globexOrder} has items`);
  // rollback(): should the refusal ever fail, globex's row is still not changed.
  expectError(
    await admin.from('order_items').upsert({ order_id: globexOrder, product_id: theirs.product_id, quantity: 4 }).select().rollback(),
    'GH131',
    403,
  );
  // Ignoring the duplicate is allowed, and changes nothing.
  assert.deepEqual(
    ok(await admin.from('order_items').upsert({ order_id: globexOrder, product_id: theirs.product_id, quantity: 4 }, { ignoreDuplicates: true }).select().rollback()),
    [],
  );
});

// ---- update ----

test('update with filters and .select(): the matching rows, changed; the others untouched', T, async () => {
  const rows = track('products', ok(
    await admin.from('products').insert([10, 20, 30].map((price, k) => ({ name: `${MARK} upd ${k}`, price }))).select('id,price'),
  ));
  const [a, b, c] = rows;

  const result = await admin.from('products').update({ price: 99.99, tags: ['upd'] }).in('id', [a.id, b.id]).lt('price', 25).select('id,price,tags');
  assert.equal(result.status, 200, JSON.stringify(result.error));
  assert.deepEqual(sortById(ok(result)), [
    { id: a.id, price: 99.99, tags: ['upd'] },
    { id: b.id, price: 99.99, tags: ['upd'] },
  ]);
  assert.deepEqual(ok(await admin.from('products').select('id,price').in('id', ids(rows)).order('id')), [
    { id: a.id, price: 99.99 },
    { id: b.id, price: 99.99 },
    { id: c.id, price: 30 },
  ]);

  // Without .select(): 204, no body.
  const minimal = await admin.from('products').update({ price: 31 }).eq('id', c.id);
  assert.equal(minimal.error, null, JSON.stringify(minimal.error));
  assert.equal(minimal.status, 204);
  assert.equal(minimal.data, null);
  assert.deepEqual(ok(await admin.from('products').select('price').eq('id', c.id)), [{ price: 31 }]);

  // Nothing matches: 200 and [].
  assert.deepEqual(ok(await admin.from('products').update({ price: 1 }).eq('id', c.id).gt('price', 1000).select('id')), []);

  // Filters on an or() and a like().
  assert.deepEqual(
    ok(await admin.from('products').update({ name: `${MARK} upd renamed` }).or(`id.eq.${a.id},id.eq.${c.id}`).like('name', `${MARK} upd%`).select('id,name')).sort((x, y) => x.id - y.id),
    [{ id: a.id, name: `${MARK} upd renamed` }, { id: c.id, name: `${MARK} upd renamed` }],
  );
});

test('update with rollback() shows the change and keeps nothing; maxAffected() refuses a wider update', T, async () => {
  const rows = track('products', ok(
    await admin.from('products').insert([{ name: `${MARK} tx 1`, price: 5 }, { name: `${MARK} tx 2`, price: 6 }]).select('id,price'),
  ));
  // Prefer: tx=rollback
  assert.deepEqual(
    ok(await admin.from('products').update({ price: 7 }).eq('id', rows[0].id).select('id,price').rollback()),
    [{ id: rows[0].id, price: 7 }],
  );
  assert.deepEqual(ok(await admin.from('products').select('id,price').in('id', ids(rows)).order('id')), rows);

  // Prefer: handling=strict, max-affected=1
  const refused = await admin.from('products').update({ price: 8 }).in('id', ids(rows)).maxAffected(1);
  expectError(refused, 'PGRST124', 400);
  assert.deepEqual(ok(await admin.from('products').select('id,price').in('id', ids(rows)).order('id')), rows);
  assert.deepEqual(
    sortById(ok(await admin.from('products').update({ price: 8 }).in('id', ids(rows)).maxAffected(2).select('id,price'))),
    rows.map((r) => ({ id: r.id, price: 8 })),
  );
});

// ---- delete ----

test('delete with filters and .select(): the deleted rows; the others stay', T, async () => {
  const rows = track('products', ok(
    await admin.from('products').insert([1, 2, 3].map((k) => ({ name: `${MARK} del ${k}`, price: k }))).select('id,name'),
  ));
  const [a, b, c] = rows;

  const result = await admin.from('products').delete().in('id', ids(rows)).lte('price', 2).select('id,name');
  assert.equal(result.status, 200, JSON.stringify(result.error));
  const deleted = sortById(ok(result));
  untrack('products', deleted);
  assert.deepEqual(deleted, [a, b]);
  assert.deepEqual(ok(await admin.from('products').select('id,name').like('name', `${MARK} del%`)), [c]);

  // Without .select(): 204, no body.
  const minimal = await admin.from('products').delete().eq('id', c.id);
  assert.equal(minimal.error, null, JSON.stringify(minimal.error));
  assert.equal(minimal.status, 204);
  assert.equal(minimal.data, null);
  untrack('products', [c]);
  assert.deepEqual(ok(await admin.from('products').select('id').like('name', `${MARK} del%`)), []);

  // Nothing matches: 200 and [].
  assert.deepEqual(ok(await admin.from('products').delete().eq('id', c.id).select('id')), []);
});

// ---- errors ----

test('the reader may not write: GH100 (403) for insert, upsert, update and delete', T, async () => {
  expectError(await reader.from('products').insert({ name: `${MARK} reader`, price: 1 }), 'GH100', 403);
  expectError(await reader.from('products').insert({ name: `${MARK} reader`, price: 1 }).select(), 'GH100', 403);
  expectError(await reader.from('products').upsert({ name: `${MARK} reader`, price: 1 }), 'GH100', 403);
  expectError(await reader.from('customers').update({ name: `${MARK} reader` }).eq('id', 2), 'GH100', 403);
  expectError(await reader.from('customers').delete().eq('id', 2), 'GH100', 403);
  assert.deepEqual(ok(await admin.from('products').select('id').like('name', `${MARK} reader%`)), []);
  assert.deepEqual(ok(await admin.from('customers').select('id,name').eq('id', 2)), [{ id: 2, name: 'Customer 2' }]);
});

test('update or delete without a filter: GH120 (400), nothing changed', T, async () => {
  expectError(await admin.from('products').delete(), 'GH120', 400);
  expectError(await admin.from('products').delete().select('id'), 'GH120', 400);
  expectError(await admin.from('products').update({ price: 1 }), 'GH120', 400);
  // An empty filter object is no filter.
  expectError(await admin.from('products').delete().match({}), 'GH120', 400);
  const count = await admin.from('products').select('*', { count: 'exact', head: true }).not('name', 'like', `${MARK}%`);
  assert.equal(count.count, acmeProducts.length);
});

test('a check violation (products.price < 0): 23514 (400), on insert and on update', T, async () => {
  expectError(await admin.from('products').insert({ name: `${MARK} negative`, price: -1 }), '23514', 400);
  assert.deepEqual(ok(await admin.from('products').select('id').eq('name', `${MARK} negative`)), []);
  const row = track('products', ok(await admin.from('products').insert({ name: `${MARK} check`, price: 1 }).select('id,price').single()));
  expectError(await admin.from('products').update({ price: -0.01 }).eq('id', row.id).select('id'), '23514', 400);
  assert.deepEqual(ok(await admin.from('products').select('id,price').eq('id', row.id)), [row]);
});

test('a unique violation on customers (tenant_id, email): 23505 (409), on insert and on update', T, async () => {
  expectError(await admin.from('customers').insert({ name: `${MARK} dup`, email: 'customer2@example.com' }), '23505', 409);
  expectError(
    await admin.from('customers').insert([
      { name: `${MARK} dup 1`, email: `dup@${MARK}.test` },
      { name: `${MARK} dup 2`, email: `dup@${MARK}.test` },
    ]).select('id'),
    '23505',
    409,
  );
  assert.deepEqual(ok(await admin.from('customers').select('id').like('name', `${MARK} dup%`)), []);

  const row = track('customers', ok(
    await admin.from('customers').insert({ name: `${MARK} dup`, email: `dup@${MARK}.test` }).select('id,email').single(),
  ));
  expectError(await admin.from('customers').update({ email: 'customer4@example.com' }).eq('id', row.id), '23505', 409);
  assert.deepEqual(ok(await admin.from('customers').select('id,email').eq('id', row.id)), [row]);
});

test('other database errors clients branch on: 23503, 23502, PGRST204', T, async () => {
  // Foreign key: no country XX.
  expectError(
    await admin.from('customers').insert({ name: `${MARK} fk`, email: `fk@${MARK}.test`, country_code: 'XX' }),
    '23503',
    409,
  );
  // Not null: products.name.
  expectError(await admin.from('products').insert({ price: 1 }), '23502', 400);
  // A body key that is not a column.
  expectError(await admin.from('products').insert({ name: `${MARK} nope`, price: 1, nope: true }), 'PGRST204', 400);
  expectError(await admin.from('products').update({ nope: true }).eq('id', 2), 'PGRST204', 400);
  assert.deepEqual(ok(await admin.from('customers').select('id').like('name', `${MARK} fk%`)), []);
  assert.deepEqual(ok(await admin.from('products').select('id').like('name', `${MARK} nope%`)), []);
});

test('schema() on a write: Content-Profile naming a schema that is not exposed is PGRST106 (406)', T, async () => {
  expectError(await admin.schema('private').from('products').insert({ name: `${MARK} private`, price: 1 }), 'PGRST106', 406);
  const row = track('products', ok(
    await admin.schema('public').from('products').insert({ name: `${MARK} public`, price: 1 }).select('id,name').single(),
  ));
  assert.equal(row.name, `${MARK} public`);
});

// ---- once known gaps, now as PostgREST ----

test("count: 'exact' on insert, update and delete", T, async () => {
  const inserted = await admin.from('products')
    .insert([{ name: `${MARK} count 1`, price: 1 }, { name: `${MARK} count 2`, price: 2 }], { count: 'exact' })
    .select('id');
  track('products', ok(inserted));
  const rows = ids(inserted.data);
  const updated = await admin.from('products').update({ price: 3 }, { count: 'exact' }).in('id', rows);
  const deleted = await admin.from('products').delete({ count: 'exact' }).in('id', rows).select('id');
  untrack('products', deleted.data ?? []);
  assert.deepEqual([inserted.count, updated.count, deleted.count], [2, 2, 2]);
});

test('an upsert that only updates answers 200 (PostgREST: 201 only when a row was inserted)', T, async () => {
  const row = track('customers', ok(
    await admin.from('customers').insert({ name: `${MARK} status`, email: `status@${MARK}.test` }).select('id').single(),
  ));
  const result = await admin.from('customers')
    .upsert({ name: `${MARK} status 2`, email: `status@${MARK}.test` }, { onConflict: 'tenant_id,email' })
    .select('id,name');
  assert.deepEqual(ok(result), [{ id: row.id, name: `${MARK} status 2` }]);
  assert.equal(result.status, 200);
  assert.deepEqual(ok(await admin.from('customers').select('id,name').eq('email', `status@${MARK}.test`)), [
    { id: row.id, name: `${MARK} status 2` },
  ]);
});

test('database errors a client causes answer 400 with their SQLSTATE, not 500', T, async () => {
  // PostgREST passes both through: 400 with the PostgreSQL code.
  const noKey = await admin.from('customers').upsert({ name: `${MARK} 42P10`, email: `42p10@${MARK}.test` }, { onConflict: 'email' }).select('id');
  if (noKey.data) track('customers', noKey.data);
  const identity = await admin.from('products').insert({ id: 100000, name: `${MARK} 428C9`, price: 1 }).select('id');
  if (identity.data) track('products', identity.data);
  expectError(noKey, '42P10', 400);
  expectError(identity, '428C9', 400);
  // PostgreSQL's message only: no DETAIL, no HINT (PostgREST would show them; they can name
  // stored values).
  for (const { error } of [noKey, identity]) {
    assert.equal(error.details, null, JSON.stringify(error));
    assert.equal(error.hint, null, JSON.stringify(error));
  }
  assert.deepEqual(ok(await admin.from('customers').select('id').like('name', `${MARK} 42P10%`)), []);
  assert.deepEqual(ok(await admin.from('products').select('id').like('name', `${MARK} 428C9%`)), []);
});

test('insert many with defaultToNull: false (Prefer: missing=default): a missing key takes the column default', T, async () => {
  const result = await admin.from('products').insert(partialBody, { defaultToNull: false }).select('id,name,tags');
  if (result.data) track('products', result.data);
  assert.equal(result.status, 201, JSON.stringify(result.error));
  assert.deepEqual(ok(result).map(({ name, tags }) => ({ name, tags })), [
    { name: `${MARK} dtn 1`, tags: ['x'] },
    { name: `${MARK} dtn 2`, tags: [] },
  ]);
});
