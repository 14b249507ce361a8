// Clients for the running Gatehouse demo, and the demo data as schema.sql generates it.
// run.sh sets the variables; the suite refuses to start without them.
import assert from 'node:assert/strict';

import { PostgrestClient } from '@supabase/postgrest-js';

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run tests/compat/run.sh, which starts the demo and sets it`);
  }
  return value;
}

export const url = required('GATEHOUSE_COMPAT_URL');
export const readerToken = required('GATEHOUSE_COMPAT_READER_TOKEN');
export const adminToken = required('GATEHOUSE_COMPAT_ADMIN_TOKEN');

// Every request gives up after 10 s (the suite never hangs), and transient-error retries are off
// so a 503 shows up as the failure it is.
function client(token) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return new PostgrestClient(url, { headers, timeout: 10_000, retry: false });
}

export const reader = client(readerToken);
export const admin = client(adminToken);
export const anon = client(null);
export const clientWithToken = client;

// Per-test limit for node:test.
export const T = { timeout: 20_000 };

// ---- The demo data, from the generation rules in crates/api/demo/schema.sql ----

const range = (from, to) => Array.from({ length: to - from + 1 }, (_, k) => from + k);
const pad = (n, width) => String(n).padStart(width, '0');

export const countries = [
  { code: 'DE', name: 'Germany' },
  { code: 'FR', name: 'France' },
  { code: 'JP', name: 'Japan' },
  { code: 'US', name: 'United States' },
];

// customers: generate_series(1, 40); identity ids follow the series.
export const customers = range(1, 40).map((i) => ({
  id: i,
  tenant_id: i % 2 === 0 ? 'acme' : 'globex',
  name: `Customer ${i}`,
  email: `customer${i}@example.com`,
  phone: `+1-555-01${pad(i, 2)}`,
  ssn: `000-00-${pad(i, 4)}`,
  notes: null,
  status: i % 10 === 0 ? 'archived' : 'active',
  country_code: ['US', 'DE', 'FR', 'JP'][i % 4],
}));

// The demo tokens are for tenant acme. The admin sees every acme customer; the reader's row
// filter (`status=neq.archived`) drops the archived ones.
export const acmeCustomers = customers.filter((c) => c.tenant_id === 'acme');
export const readerCustomers = acmeCustomers.filter((c) => c.status !== 'archived');

// products: generate_series(1, 20).
export const products = range(1, 20).map((i) => ({
  id: i,
  tenant_id: i % 2 === 0 ? 'acme' : 'globex',
  name: `Product ${i}`,
  price: i * 3.5,
  tags: [`tag${i % 3}`],
}));
export const acmeProducts = products.filter((p) => p.tenant_id === 'acme');

// One order per customer; its status follows the customer's id.
export const orderStatus = (customerId) => ['open', 'paid', 'shipped'][customerId % 3];

// order_items: each order with every product of its tenant whose id is congruent mod 5.
export function itemsOf(orderId, tenant) {
  return products
    .filter((p) => p.tenant_id === tenant && p.id % 5 === orderId % 5)
    .map((p) => ({ order_id: orderId, product_id: p.id, tenant_id: tenant, quantity: 1 + ((orderId + p.id) % 4) }));
}

// The masks of the demo policy: `email` keeps the first letter and the domain, `last4` the last
// four characters.
export const maskEmail = (email) => {
  const [local, domain] = email.split('@');
  return `${local[0]}***@${domain}`;
};
export const maskLast4 = (text) => '*'.repeat(text.length - 4) + text.slice(-4);

export const byId = (a, b) => a.id - b.id;
export const pick = (row, keys) => Object.fromEntries(keys.map((k) => [k, row[k]]));

// Asserts a successful answer and returns its data.
export function ok(result, what = 'request') {
  if (result.error) {
    throw new Error(`${what}: HTTP ${result.status}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

// Asserts a PostgREST error answer: no data, the code and status given, and PostgREST's body
// shape ({code, message, details, hint}).
export function expectError(result, code, status) {
  const seen = JSON.stringify({ status: result.status, error: result.error, data: result.data });
  assert.equal(result.data, null, seen);
  assert.ok(result.error, `expected ${code}, got no error: ${seen}`);
  assert.equal(result.error.code, code, seen);
  assert.equal(result.status, status, seen);
  assert.equal(typeof result.error.message, 'string', seen);
  for (const key of ['code', 'message', 'details', 'hint']) {
    assert.ok(key in result.error, `error body lacks ${key}: ${seen}`);
  }
}
