// Vertical modifiers: order, limit, range, single, maybeSingle, count, csv.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { T, admin, reader, ok, readerCustomers, acmeCustomers, countries } from './env.mjs';

const ids = (rows) => rows.map((r) => r.id);
const readerIds = readerCustomers.map((c) => c.id);

test('order ascending and descending', T, async () => {
  assert.deepEqual(ids(ok(await reader.from('customers').select('id').order('id'))), readerIds);
  assert.deepEqual(
    ids(ok(await reader.from('customers').select('id').order('id', { ascending: false }))),
    [...readerIds].reverse(),
  );
  assert.deepEqual(
    ok(await reader.from('countries').select('code').order('name', { ascending: false })).map((c) => c.code),
    [...countries].sort((a, b) => b.name.localeCompare(a.name)).map((c) => c.code),
  );
});

test('order on several columns', T, async () => {
  const data = ok(
    await reader.from('customers').select('id,country_code').order('country_code').order('id', { ascending: false }),
  );
  const expected = [...readerCustomers]
    .sort((a, b) => a.country_code.localeCompare(b.country_code) || b.id - a.id)
    .map((c) => ({ id: c.id, country_code: c.country_code }));
  assert.deepEqual(data, expected);
});

test('nullsFirst / nullsLast are accepted and leave the other keys in charge', T, async () => {
  // The demo has no column that mixes NULLs and values (notes is NULL everywhere), so this checks
  // the grammar (`notes.desc.nullsfirst`, `notes.asc.nullslast`) and that the next key orders.
  for (const options of [
    { ascending: false, nullsFirst: true },
    { ascending: true, nullsFirst: false },
  ]) {
    const data = ok(await admin.from('customers').select('id').order('notes', options).order('id', { ascending: false }));
    assert.deepEqual(ids(data), acmeCustomers.map((c) => c.id).reverse(), JSON.stringify(options));
  }
});

test('nullsFirst on a to-one embedded column (PostgREST order=customers(id).asc.nullsfirst)', T, async () => {
  // For the reader, orders of archived customers embed `null` (the customers row filter applies).
  const data = ok(
    await reader.from('orders').select('id,customers(id)').order('customers(id)', { nullsFirst: true }),
  );
  const nulls = data.filter((o) => o.customers === null).length;
  assert.ok(acmeCustomers.some((c) => c.status === 'archived') && nulls > 0);
  assert.ok(data.slice(0, nulls).every((o) => o.customers === null));
  const rest = data.slice(nulls).map((o) => o.customers?.id);
  assert.deepEqual(rest, [...rest].sort((a, b) => a - b));
  // Descending, nulls last (PostgREST order=customers(id).desc.nullslast).
  const desc = ok(
    await reader.from('orders').select('id,customers(id)').order('customers(id)', { ascending: false, nullsFirst: false }),
  );
  const tail = desc.slice(desc.length - nulls);
  assert.ok(tail.every((o) => o.customers === null));
  assert.deepEqual(desc.slice(0, desc.length - nulls).map((o) => o.customers.id), [...rest].reverse());
});

test('limit', T, async () => {
  assert.deepEqual(ids(ok(await reader.from('customers').select('id').order('id').limit(3))), readerIds.slice(0, 3));
  assert.deepEqual(ids(ok(await reader.from('customers').select('id').order('id').limit(0))), []);
});

test('range(from, to) is inclusive', T, async () => {
  assert.deepEqual(ids(ok(await reader.from('customers').select('id').order('id').range(2, 5))), readerIds.slice(2, 6));
  assert.deepEqual(ids(ok(await reader.from('customers').select('id').order('id').range(0, 0))), readerIds.slice(0, 1));
  const tail = readerIds.length - 2;
  assert.deepEqual(
    ids(ok(await reader.from('customers').select('id').order('id').range(tail, tail + 10))),
    readerIds.slice(tail),
  );
});

test('single() returns one object', T, async () => {
  const result = await reader.from('customers').select('id,name').eq('id', 2).single();
  assert.equal(result.status, 200);
  assert.deepEqual(ok(result), { id: 2, name: 'Customer 2' });
});

test('single() with more than one row or none is PGRST116 (406)', T, async () => {
  const many = await reader.from('customers').select('id').single();
  assert.equal(many.data, null);
  assert.equal(many.status, 406);
  assert.equal(many.error?.code, 'PGRST116', JSON.stringify(many.error));

  const none = await reader.from('customers').select('id').eq('id', 3).single();
  assert.equal(none.status, 406);
  assert.equal(none.error?.code, 'PGRST116', JSON.stringify(none.error));
});

test('maybeSingle(): zero rows is null, one row an object, more an error', T, async () => {
  const none = await reader.from('customers').select('id').eq('id', 3).maybeSingle();
  assert.equal(none.error, null, JSON.stringify(none.error));
  assert.equal(none.data, null);

  const one = await reader.from('customers').select('id,name').eq('id', 4).maybeSingle();
  assert.deepEqual(ok(one), { id: 4, name: 'Customer 4' });

  const many = await reader.from('customers').select('id').in('id', [2, 4]).maybeSingle();
  assert.equal(many.data, null);
  assert.equal(many.error?.code, 'PGRST116');
});

test("count: 'exact' with head: true gives the count and no rows", T, async () => {
  const all = await reader.from('customers').select('*', { count: 'exact', head: true });
  assert.equal(all.error, null, JSON.stringify(all.error));
  assert.equal(all.status, 200);
  assert.equal(all.data, null);
  assert.equal(all.count, readerCustomers.length);

  const some = await reader.from('customers').select('*', { count: 'exact', head: true }).gt('id', 30);
  assert.equal(some.count, readerCustomers.filter((c) => c.id > 30).length);

  const adminCount = await admin.from('customers').select('*', { count: 'exact', head: true });
  assert.equal(adminCount.count, acmeCustomers.length);

  const items = await reader.from('order_items').select('*', { count: 'exact', head: true });
  // Every acme order has two items (two acme products per residue mod 5).
  assert.equal(items.count, 2 * acmeCustomers.length);
});

test("count: 'exact' with rows counts past the limit", T, async () => {
  const result = await reader.from('customers').select('id', { count: 'exact' }).order('id').range(1, 3);
  assert.deepEqual(ids(ok(result)), readerIds.slice(1, 4));
  assert.equal(result.count, readerCustomers.length);
});

test("count: 'planned' and 'estimated' are accepted", T, async () => {
  for (const count of ['planned', 'estimated']) {
    const result = await reader.from('countries').select('*', { count, head: true });
    assert.equal(result.error, null, `${count}: ${JSON.stringify(result.error)}`);
    assert.equal(typeof result.count, 'number', count);
  }
});

test('csv()', T, async () => {
  const result = await reader.from('countries').select('code,name').order('code').csv();
  assert.equal(result.error, null, JSON.stringify(result.error));
  assert.equal(
    result.data.trimEnd(),
    ['code,name', ...countries.map((c) => `${c.code},${c.name}`)].join('\n'),
  );
});

test('throwOnError() throws the PostgREST error', T, async () => {
  await assert.rejects(
    async () => reader.from('customers').select('id').single().throwOnError(),
    (err) => err.code === 'PGRST116',
  );
});

test("range past the end with count: 'exact' is PGRST103 (416); without a count, []", T, async () => {
  const counted = await reader.from('customers').select('id', { count: 'exact' }).range(100, 110);
  assert.equal(counted.status, 416);
  assert.equal(counted.error?.code, 'PGRST103', JSON.stringify(counted.error));
  assert.deepEqual(ok(await reader.from('customers').select('id').range(100, 110)), []);
});

test('stripNulls() (Accept: application/vnd.pgrst.array+json;nulls=stripped)', T, async () => {
  const data = ok(await admin.from('customers').select('id,notes').eq('id', 2).stripNulls());
  assert.deepEqual(data, [{ id: 2 }]);
  // Without stripping, the key is there with null.
  assert.deepEqual(ok(await admin.from('customers').select('id,notes').eq('id', 2)), [{ id: 2, notes: null }]);
});

test('schema(): an exposed schema answers, one not exposed is PGRST106 (406)', T, async () => {
  // postgrest-js sends Accept-Profile on reads.
  assert.deepEqual(ok(await reader.schema('public').from('countries').select('code').eq('code', 'JP')), [{ code: 'JP' }]);
  const result = await reader.schema('private').from('countries').select('code');
  assert.equal(result.status, 406);
  assert.equal(result.data, null);
  assert.equal(result.error?.code, 'PGRST106', JSON.stringify(result.error));
});
