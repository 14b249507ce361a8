// The policy as a postgrest-js user meets it: tenancy, row filters, masked, hidden and encrypted
// columns, the anonymous role and bad tokens.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  T, admin, reader, anon, clientWithToken, readerToken, ok, pick,
  readerCustomers, acmeCustomers, acmeProducts, countries, maskEmail, maskLast4,
} from './env.mjs';

const readerColumns = ['id', 'tenant_id', 'name', 'email', 'phone', 'status', 'country_code', 'created_at'];

test('the reader sees only acme rows, on every table', T, async () => {
  for (const table of ['customers', 'products', 'orders', 'order_items']) {
    const rows = ok(await reader.from(table).select('tenant_id'), table);
    assert.ok(rows.length > 0, table);
    assert.deepEqual([...new Set(rows.map((r) => r.tenant_id))], ['acme'], table);
  }
  assert.deepEqual(ok(await reader.from('products').select('id').order('id')).map((p) => p.id), acmeProducts.map((p) => p.id));
});

test('filters cannot reach another tenant', T, async () => {
  assert.deepEqual(ok(await reader.from('customers').select('id').eq('tenant_id', 'globex')), []);
  assert.deepEqual(ok(await reader.from('customers').select('id').eq('id', 3)), []);
  const widened = ok(await reader.from('customers').select('id,tenant_id').or('tenant_id.eq.globex,id.gt.0'));
  assert.equal(widened.length, readerCustomers.length);
  assert.ok(widened.every((c) => c.tenant_id === 'acme'));
  const notAcme = ok(await admin.from('products').select('id').not('tenant_id', 'eq', 'acme'));
  assert.deepEqual(notAcme, []);
  const count = await admin.from('customers').select('*', { count: 'exact', head: true }).neq('tenant_id', 'acme');
  assert.equal(count.count, 0);
});

test("the reader's row filter hides archived customers, in embeds too", T, async () => {
  const data = ok(await reader.from('customers').select('id').order('id'));
  assert.deepEqual(data.map((c) => c.id), readerCustomers.map((c) => c.id));
  assert.ok(!data.some((c) => c.id % 10 === 0));
  // The caller's own filters are ANDed with the row filter, never ORed around it.
  assert.deepEqual(ok(await reader.from('customers').select('id').or('status.eq.archived,id.eq.2')), [{ id: 2 }]);
  assert.deepEqual(ok(await reader.from('customers').select('id').neq('status', 'active')), []);
  const archived = await reader.from('customers').select('*', { count: 'exact', head: true }).eq('status', 'archived');
  assert.equal(archived.count, 0);
  assert.equal(ok(await reader.from('customers').select('id').eq('id', 10).maybeSingle()), null);
  // Orders are not filtered for the reader, but the archived customers they point at are.
  const orders = ok(await reader.from('orders').select('customer_id,customers(id)'));
  assert.equal(orders.length, acmeCustomers.length);
  for (const o of orders) {
    const archived = o.customer_id % 10 === 0;
    assert.deepEqual(o.customers, archived ? null : { id: o.customer_id }, `order of customer ${o.customer_id}`);
  }
});

test('select=* for the reader: masked email and phone, no ssn, no notes', T, async () => {
  const data = ok(await reader.from('customers').select('*').order('id'));
  assert.equal(data.length, readerCustomers.length);
  for (const [i, row] of data.entries()) {
    const c = readerCustomers[i];
    assert.deepEqual(Object.keys(row), readerColumns);
    const { created_at: createdAt, ...rest } = row;
    assert.ok(!Number.isNaN(Date.parse(createdAt)));
    assert.deepEqual(rest, {
      ...pick(c, ['id', 'tenant_id', 'name', 'status', 'country_code']),
      email: maskEmail(c.email),
      phone: maskLast4(c.phone),
    });
  }
  const text = JSON.stringify(data);
  assert.ok(!/customer\d+@/.test(text), 'plaintext email leaked');
  assert.ok(!/\+1-555-01\d\d/.test(text), 'plaintext phone leaked');
  assert.ok(!text.includes('000-00-'), 'ssn leaked');
});

test('masked columns stay masked when embedded and when renamed', T, async () => {
  const data = ok(await reader.from('orders').select('customer:customers(mail:email, tel:phone)').eq('customer_id', 2).single());
  assert.deepEqual(data, { customer: { mail: 'c***@example.com', tel: '*******0102' } });
});

test('ssn and notes do not exist for the reader', T, async () => {
  for (const build of [
    () => reader.from('customers').select('id,ssn'),
    () => reader.from('customers').select('id,notes'),
    () => reader.from('customers').select('id').eq('ssn', '000-00-0002'),
    () => reader.from('customers').select('id').is('notes', null),
    () => reader.from('orders').select('id,customers(ssn)'),
  ]) {
    const result = await build();
    assert.equal(result.error?.code, '42703', JSON.stringify(result.error));
    assert.equal(result.data, null);
  }
});

test('the admin reads plaintext email, phone and the decrypted ssn', T, async () => {
  const data = ok(await admin.from('customers').select('id,email,phone,ssn,status').order('id'));
  assert.deepEqual(data, acmeCustomers.map((c) => pick(c, ['id', 'email', 'phone', 'ssn', 'status'])));
  const embedded = ok(await admin.from('orders').select('customers(ssn)').eq('customer_id', 4).single());
  assert.deepEqual(embedded, { customers: { ssn: '000-00-0004' } });
});

test('anon sees the shared countries and nothing tenant-scoped', T, async () => {
  assert.deepEqual(ok(await anon.from('countries').select('*').order('code')), countries);
  for (const table of ['customers', 'products', 'orders', 'order_items']) {
    const result = await anon.from(table).select('*');
    assert.equal(result.status, 404, table);
    assert.equal(result.error?.code, 'PGRST205', `${table}: ${JSON.stringify(result.error)}`);
  }
});

test('a token with a bad signature is refused with PGRST301 (401)', T, async () => {
  const [header, payload] = readerToken.split('.');
  const forged = clientWithToken(`${header}.${payload}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`);
  const result = await forged.from('customers').select('id');
  assert.equal(result.status, 401);
  assert.equal(result.error?.code, 'PGRST301', JSON.stringify(result.error));
  assert.equal(result.data, null);
  // A token that claims another tenant but is not signed by the server gets nowhere either.
  const globexPayload = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url')), tenant_id: 'globex' }),
  ).toString('base64url');
  const tampered = await clientWithToken(`${header}.${globexPayload}.${readerToken.split('.')[2]}`)
    .from('customers').select('id');
  assert.equal(tampered.status, 401);
  assert.equal(tampered.error?.code, 'PGRST301', JSON.stringify(tampered.error));
});

test('embedding tenant-scoped rows under a shared table keeps tenancy and row filters', T, async () => {
  const us = (rows) => rows.filter((c) => c.country_code === 'US').map((c) => ({ id: c.id }));
  const forReader = ok(
    await reader.from('countries').select('code,customers(id)').eq('code', 'US').order('id', { referencedTable: 'customers' }).single(),
  );
  assert.deepEqual(forReader, { code: 'US', customers: us(readerCustomers) });
  const forAdmin = ok(
    await admin.from('countries').select('code,customers(id)').eq('code', 'US').order('id', { referencedTable: 'customers' }).single(),
  );
  assert.deepEqual(forAdmin, { code: 'US', customers: us(acmeCustomers) });
  // For anon, customers does not exist, so neither does the relationship.
  const forAnon = await anon.from('countries').select('code,customers(id)');
  assert.equal(forAnon.error?.code, 'PGRST200', JSON.stringify(forAnon.error));
  assert.equal(forAnon.data, null);
});

test('masked and hidden columns through casts, spreads and select=* inside embeds', T, async () => {
  const cast = ok(await reader.from('customers').select('email::text,tel:phone::varchar').eq('id', 2).single());
  assert.deepEqual(cast, { email: 'c***@example.com', tel: '*******0102' });
  const star = ok(await reader.from('orders').select('customers(*)').eq('customer_id', 2).single());
  assert.deepEqual(Object.keys(star.customers), readerColumns);
  assert.equal(star.customers.email, 'c***@example.com');
  const spread = await reader.from('orders').select('id,...customers(notes)');
  assert.equal(spread.error?.code, '42703', JSON.stringify(spread.error));
});
