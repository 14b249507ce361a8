// Errors as postgrest-js hands them over: { data: null, error: { code, message, details, hint } }.
import { test } from 'node:test';

import { T, admin, reader, expectError } from './env.mjs';

test('unknown column: 42703 in select, filter, order and embed', T, async () => {
  expectError(await reader.from('customers').select('id,nope'), '42703', 400);
  expectError(await reader.from('customers').select('id').eq('nope', 1), '42703', 400);
  expectError(await reader.from('customers').select('id').order('nope'), '42703', 400);
  expectError(await reader.from('customers').select('id,orders(nope)'), '42703', 400);
});

test('unknown table: PGRST205 (404)', T, async () => {
  expectError(await reader.from('nope').select('*'), 'PGRST205', 404);
  // A real table the policy does not expose answers the same (tenants is not in the policy).
  expectError(await admin.from('tenants').select('*'), 'PGRST205', 404);
});

test('unknown relationship: PGRST200', T, async () => {
  expectError(await reader.from('customers').select('id,nope(id)'), 'PGRST200', 400);
  expectError(await reader.from('countries').select('code,products(id)'), 'PGRST200', 400);
});

test('unknown operator: PGRST100', T, async () => {
  expectError(await reader.from('customers').select('id').filter('id', 'xx', '1'), 'PGRST100', 400);
});

test('a value of the wrong type: 22P02 / 22007', T, async () => {
  expectError(await reader.from('customers').select('id').eq('id', 'abc'), '22P02', 400);
  expectError(await reader.from('customers').select('id').eq('status', 'bogus'), '22P02', 400);
  expectError(await reader.from('customers').select('id').gt('created_at', 'not-a-date'), '22007', 400);
});

test('masked column in a filter or an order: GH101', T, async () => {
  expectError(await reader.from('customers').select('id').eq('email', 'customer2@example.com'), 'GH101', 400);
  expectError(await reader.from('customers').select('id').like('phone', '%0102'), 'GH101', 400);
  expectError(await reader.from('customers').select('id').or('email.eq.customer2@example.com,id.eq.4'), 'GH101', 400);
  expectError(await reader.from('customers').select('id').order('email'), 'GH101', 400);
  expectError(
    await reader.from('orders').select('id,customers!inner(id)').eq('customers.email', 'customer2@example.com'),
    'GH101',
    400,
  );
});

test('encrypted column in a filter or an order, even for the admin: GH101', T, async () => {
  expectError(await admin.from('customers').select('id').eq('ssn', '000-00-0002'), 'GH101', 400);
  expectError(await admin.from('customers').select('id').order('ssn'), 'GH101', 400);
});

test('negative limit: PGRST103 (416)', T, async () => {
  expectError(await reader.from('customers').select('id').limit(-1), 'PGRST103', 416);
});
