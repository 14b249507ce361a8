// Horizontal filtering: every operator postgrest-js has a method for, plus not/or/match/filter.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { T, admin, reader, ok, readerCustomers, acmeCustomers, acmeProducts } from './env.mjs';

const ids = (rows) => rows.map((r) => r.id);
const expectIds = (pred, rows = readerCustomers) => rows.filter(pred).map((c) => c.id);

async function customerIds(build, client = reader) {
  return ids(ok(await build(client.from('customers').select('id')).order('id')));
}
async function productIds(build) {
  return ids(ok(await build(reader.from('products').select('id')).order('id')));
}

test('eq and neq', T, async () => {
  assert.deepEqual(await customerIds((q) => q.eq('id', 4)), [4]);
  assert.deepEqual(await customerIds((q) => q.eq('name', 'Customer 12')), [12]);
  assert.deepEqual(
    await customerIds((q) => q.neq('country_code', 'US')),
    expectIds((c) => c.country_code !== 'US'),
  );
  // An enum column.
  assert.deepEqual(
    await customerIds((q) => q.eq('status', 'archived'), admin),
    expectIds((c) => c.status === 'archived', acmeCustomers),
  );
});

test('gt, gte, lt, lte on integers and numerics', T, async () => {
  assert.deepEqual(await customerIds((q) => q.gt('id', 30)), expectIds((c) => c.id > 30));
  assert.deepEqual(await customerIds((q) => q.gte('id', 32)), expectIds((c) => c.id >= 32));
  assert.deepEqual(await customerIds((q) => q.lt('id', 6)), expectIds((c) => c.id < 6));
  assert.deepEqual(await customerIds((q) => q.lte('id', 6)), expectIds((c) => c.id <= 6));
  assert.deepEqual(
    await productIds((q) => q.gt('price', 60)),
    acmeProducts.filter((p) => p.price > 60).map((p) => p.id),
  );
  assert.deepEqual(
    await productIds((q) => q.gte('price', 7).lte('price', 21)),
    acmeProducts.filter((p) => p.price >= 7 && p.price <= 21).map((p) => p.id),
  );
});

test('like and ilike, with % and with *', T, async () => {
  const ones = expectIds((c) => c.name.startsWith('Customer 1'));
  assert.ok(ones.length > 0);
  assert.deepEqual(await customerIds((q) => q.like('name', 'Customer 1%')), ones);
  assert.deepEqual(await customerIds((q) => q.like('name', 'Customer 1*')), ones);
  assert.deepEqual(await customerIds((q) => q.like('name', 'customer 1%')), []);
  assert.deepEqual(
    await customerIds((q) => q.ilike('name', 'CUSTOMER 3%')),
    expectIds((c) => c.name.startsWith('Customer 3')),
  );
});

test('likeAnyOf, likeAllOf, ilikeAnyOf', T, async () => {
  assert.deepEqual(await customerIds((q) => q.likeAnyOf('name', ['Customer 2', 'Customer 4'])), [2, 4]);
  assert.deepEqual(await customerIds((q) => q.likeAllOf('name', ['Customer 1%', '%6'])), [16]);
  assert.deepEqual(await customerIds((q) => q.ilikeAnyOf('name', ['customer 2', 'CUSTOMER 38'])), [2, 38]);
});

test('match and imatch (regular expressions) through filter()', T, async () => {
  assert.deepEqual(await customerIds((q) => q.filter('name', 'match', '^Customer 1[24]$')), [12, 14]);
  assert.deepEqual(
    await customerIds((q) => q.filter('name', 'imatch', '^customer 2.$')),
    expectIds((c) => /^Customer 2.$/.test(c.name)),
  );
});

test('in, with values that need quoting', T, async () => {
  // 3 is globex's, 10 is archived (hidden from the reader by its row filter).
  assert.deepEqual(await customerIds((q) => q.in('id', [2, 3, 4, 10])), [2, 4]);
  assert.deepEqual(await customerIds((q) => q.in('name', ['Customer 2', 'Customer, 4', 'a(b)'])), [2]);
  assert.deepEqual(await customerIds((q) => q.in('id', [])), []);
});

test('is null, not.is.null and isDistinct', T, async () => {
  assert.deepEqual(await customerIds((q) => q.is('notes', null), admin), acmeCustomers.map((c) => c.id));
  assert.deepEqual(await customerIds((q) => q.not('notes', 'is', null), admin), []);
  assert.deepEqual(await customerIds((q) => q.isDistinct('id', 2)), expectIds((c) => c.id !== 2));
});

test('not', T, async () => {
  assert.deepEqual(await customerIds((q) => q.not('id', 'in', '(2,4)')), expectIds((c) => ![2, 4].includes(c.id)));
  assert.deepEqual(await customerIds((q) => q.not('country_code', 'eq', 'US')), expectIds((c) => c.country_code !== 'US'));
  assert.deepEqual(await customerIds((q) => q.not('name', 'like', 'Customer 1%')), expectIds((c) => !c.name.startsWith('Customer 1')));
});

test('or, nested and(), col.not.op and not.and() inside or', T, async () => {
  assert.deepEqual(await customerIds((q) => q.or('id.eq.2,id.eq.38')), [2, 38]);
  assert.deepEqual(await customerIds((q) => q.or('id.eq.2,and(id.gt.30,id.lt.34)')), [2, 32]);
  assert.deepEqual(await customerIds((q) => q.or('id.lt.5,name.eq."Customer 38"')), [2, 4, 38]);
  assert.deepEqual(await customerIds((q) => q.or('id.lt.5,id.not.lt.36')), [2, 4, 36, 38]);
  assert.deepEqual(await customerIds((q) => q.or('id.eq.2,not.and(id.gt.4,id.lt.38)')), [2, 4, 38]);
  // or combines with the other filters by AND.
  assert.deepEqual(await customerIds((q) => q.or('id.eq.2,id.eq.4').gt('id', 2)), [4]);
});

test('match({...}) and filter(column, op, value)', T, async () => {
  assert.deepEqual(
    await customerIds((q) => q.match({ country_code: 'US', status: 'active' })),
    expectIds((c) => c.country_code === 'US'),
  );
  assert.deepEqual(await customerIds((q) => q.filter('id', 'in', '(6,8)')), [6, 8]);
});

test('array operators on products.tags: contains, containedBy, overlaps', T, async () => {
  const withTag = (...tags) => acmeProducts.filter((p) => tags.includes(p.tags[0])).map((p) => p.id);
  assert.deepEqual(await productIds((q) => q.contains('tags', ['tag1'])), withTag('tag1'));
  assert.deepEqual(await productIds((q) => q.contains('tags', ['tag1', 'tag2'])), []);
  assert.deepEqual(await productIds((q) => q.containedBy('tags', ['tag0', 'tag1'])), withTag('tag0', 'tag1'));
  assert.deepEqual(await productIds((q) => q.overlaps('tags', ['tag2', 'nope'])), withTag('tag2'));
  // The raw spelling too.
  assert.deepEqual(await productIds((q) => q.filter('tags', 'cs', '{tag0}')), withTag('tag0'));
});

test('textSearch: fts, plfts, phfts, wfts, with a config', T, async () => {
  assert.deepEqual(await productIds((q) => q.textSearch('name', '12')), [12]);
  assert.deepEqual(await productIds((q) => q.textSearch('name', "'product' & '14'", { config: 'english' })), [14]);
  assert.deepEqual(await productIds((q) => q.textSearch('name', 'product 16', { type: 'plain' })), [16]);
  assert.deepEqual(await productIds((q) => q.textSearch('name', 'product 18', { type: 'phrase', config: 'simple' })), [18]);
  assert.deepEqual(await productIds((q) => q.textSearch('name', '"product 20" or "product 2"', { type: 'websearch' })), [2, 20]);
});

test('filters on timestamps', T, async () => {
  const all = readerCustomers.map((c) => c.id);
  assert.deepEqual(await customerIds((q) => q.gt('created_at', '2000-01-01T00:00:00Z')), all);
  assert.deepEqual(await customerIds((q) => q.lt('created_at', '2000-01-01')), []);
});

test('quoted values in or() and in(): commas, parentheses, dots and non-ASCII text', T, async () => {
  assert.deepEqual(await customerIds((q) => q.or('name.eq."Customer, 2",name.in.("a(b)","Customer 4")')), [4]);
  assert.deepEqual(await customerIds((q) => q.or('name.eq."Customer 2",name.eq."x.y.z"')), [2]);
  assert.deepEqual(await customerIds((q) => q.eq('name', 'Ünïcødé ✓ & = ? #')), []);
  assert.deepEqual(await customerIds((q) => q.in('name', ['Ünïcødé', 'Customer 6'])), [6]);
});
