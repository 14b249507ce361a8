// A client generated from the OpenAPI documents the running demo serves, used against it.
//
// run.sh fetches `GET /openapi.json` as the admin and as the reader, validates both documents,
// generates `generated/admin.ts` and `generated/reader.ts` with openapi-typescript, and compiles
// this file with `tsc` (strict, no emit on error) before node runs it. Every request below goes
// through openapi-fetch typed by those files: a path, parameter, body key or response field the
// served document does not have is a compile error, not a runtime surprise. The `@ts-expect-error`
// lines in `typeLevelChecks` prove that the types are that strict: if the generated types ever
// loosened (an `any` slipping in), those lines would stop erroring and the build would fail.
//
// Expected values follow the demo data's generation rules in crates/api/demo/schema.sql: the
// demo tokens are for tenant `acme`, which owns the even ids; product i is `Product i`, priced
// i * 3.5; customer i's email is `customer{i}@example.com`, masked for the reader as
// `c***@example.com`.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';

import createClient, { type Middleware } from 'openapi-fetch';

import type { components as AdminComponents, paths as AdminPaths } from '../generated/admin.js';
import type { paths as ReaderPaths } from '../generated/reader.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run tests/openapi-client/run.sh, which starts the demo and sets it`);
  }
  return value;
}

const baseUrl = required('GATEHOUSE_OPENAPI_URL');
const readerToken = required('GATEHOUSE_OPENAPI_READER_TOKEN');
const adminToken = required('GATEHOUSE_OPENAPI_ADMIN_TOKEN');
const servedDir = required('GATEHOUSE_OPENAPI_SERVED_DIR');
const committedReader = required('GATEHOUSE_OPENAPI_COMMITTED_READER');

// Every request gives up after 10 s, so the suite never hangs on a stuck server.
const REQUEST_TIMEOUT_MS = 10_000;
const timedFetch = (request: Request): Promise<Response> =>
  fetch(new Request(request, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) }));

const T = { timeout: 30_000 };

// Every answer the admin's and the reader's clients get, to check at the end that its status and
// media type are documented for the operation in that role's served document.
type Seen = { role: 'admin' | 'reader'; method: string; path: string; status: number; mediaType: string | null };
const seen: Seen[] = [];
const recordAs = (role: Seen['role']): Middleware => ({
  onResponse({ request, response, schemaPath }) {
    const length = response.headers.get('content-length');
    const hasBody = response.status !== 204 && request.method !== 'HEAD' && length !== '0';
    const mediaType = hasBody ? (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '' : null;
    seen.push({ role, method: request.method.toLowerCase(), path: schemaPath, status: response.status, mediaType });
  },
});

// The admin's document has the writes; the reader's has only reads. Both clients ask for
// `application/json` answers, so `data` is typed as the JSON body (an array of rows).
const admin = createClient<AdminPaths, 'application/json'>({
  baseUrl,
  headers: { Authorization: `Bearer ${adminToken}` },
  fetch: timedFetch,
});
admin.use(recordAs('admin'));
const reader = createClient<ReaderPaths, 'application/json'>({
  baseUrl,
  headers: { Authorization: `Bearer ${readerToken}` },
  fetch: timedFetch,
});
reader.use(recordAs('reader'));
// The reader's credentials behind the admin's types: how the server refuses an operation the
// caller's own document does not offer.
const readerWithAdminTypes = createClient<AdminPaths, 'application/json'>({
  baseUrl,
  headers: { Authorization: `Bearer ${readerToken}` },
  fetch: timedFetch,
});

type Product = AdminComponents['schemas']['products'];
// Bodies are declared with the generated schema types: openapi-fetch infers its `body` argument
// generically, and TypeScript checks excess keys only against a declared type.
type ProductInsert = AdminComponents['schemas']['products.insert'];
type ProductUpdate = AdminComponents['schemas']['products.update'];
type ApiError = AdminComponents['schemas']['Error'];

// Asserts a successful answer with the given status and returns its body.
function ok<D>(result: { data?: D; error?: unknown; response: Response }, status: number, what: string): D {
  assert.equal(
    result.response.status,
    status,
    `${what}: HTTP ${result.response.status}: ${JSON.stringify(result.error ?? result.data)}`,
  );
  assert.equal(result.error, undefined, `${what}: unexpected error body`);
  assert.notEqual(result.data, undefined, `${what}: no body`);
  return result.data as D;
}

// Asserts a refusal with the given status and code, and that its body has the documented shape.
function refused(result: { data?: unknown; error?: ApiError; response: Response }, status: number, code: string): ApiError {
  assert.equal(result.response.status, status, `expected ${status} ${code}, got ${JSON.stringify(result.data ?? result.error)}`);
  assert.equal(result.data, undefined);
  const error = result.error;
  assert.ok(error, 'an error body');
  assert.deepEqual(Object.keys(error).sort(), ['code', 'details', 'hint', 'message']);
  assert.equal(error.code, code);
  assert.equal(typeof error.message, 'string');
  return error;
}

const product = (id: number): Required<Pick<Product, 'id' | 'name' | 'price'>> => ({
  id,
  name: `Product ${id}`,
  price: id * 3.5,
});

describe('the served documents', () => {
  const served = (role: string): { paths: Record<string, Record<string, unknown>> } =>
    JSON.parse(readFileSync(`${servedDir}/served-${role}.json`, 'utf8'));

  test('the reader is served exactly the committed openapi/demo-reader.json', T, () => {
    const committed: unknown = JSON.parse(readFileSync(committedReader, 'utf8'));
    assert.deepEqual(served('reader'), committed);
  });

  test('each role is offered exactly its operations on products', T, () => {
    assert.deepEqual(Object.keys(served('admin').paths['/products'] ?? {}).sort(), ['delete', 'get', 'head', 'patch', 'post']);
    assert.deepEqual(Object.keys(served('reader').paths['/products'] ?? {}).sort(), ['get', 'head']);
  });
});

describe('reads through the generated client', () => {
  test('admin: products with select, order and limit', T, async () => {
    const rows = ok(
      await admin.GET('/products', { params: { query: { select: 'id,name,price', order: 'id', limit: 2 } } }),
      200,
      'GET /products',
    );
    assert.deepEqual(rows, [product(2), product(4)]);
    // Typed: `price` is a number, so arithmetic on it type-checks.
    const total = rows.reduce((sum, row) => sum + (row.price ?? 0), 0);
    assert.equal(total, 21);
  });

  test('admin: a column filter and an or= group as typed query parameters', T, async () => {
    const rows = ok(
      await admin.GET('/products', {
        params: { query: { select: 'id,name,price', id: 'in.(4,6,8,9)', or: '(price.lt.20,name.eq.Product 8)', order: 'id.desc' } },
      }),
      200,
      'GET /products filtered',
    );
    // 9 is globex's, so tenant isolation drops it; 6 costs 21 and is not named.
    assert.deepEqual(rows, [product(8), product(4)]);
  });

  test('reader: masked columns come back masked', T, async () => {
    const rows = ok(
      await reader.GET('/customers', { params: { query: { select: 'id,email,status', order: 'id', limit: 2 } } }),
      200,
      'GET /customers',
    );
    assert.deepEqual(rows, [
      { id: 2, email: 'c***@example.com', status: 'active' },
      { id: 4, email: 'c***@example.com', status: 'active' },
    ]);
  });

  test('Prefer: count=exact, a typed header parameter', T, async () => {
    const result = await admin.GET('/products', {
      params: { query: { select: 'id', limit: 1, order: 'id' }, header: { Prefer: 'count=exact' } },
    });
    assert.deepEqual(ok(result, 206, 'GET /products with count'), [{ id: 2 }]);
    assert.equal(result.response.headers.get('content-range'), '0-0/10');
  });
});

describe('writes through the generated client', () => {
  const name = `openapi-client ${process.pid} ${Date.now()}`;

  // Whatever happens in the tests, the row they insert does not outlive them.
  after(async () => {
    await admin.DELETE('/products', { params: { query: { name: `eq.${name}` } } });
  });

  test('admin: insert, read back, update, delete', T, async () => {
    const body: ProductInsert = { name, price: 12.25, tags: ['client', 'generated'] };
    const inserted = ok(
      await admin.POST('/products', { params: { header: { Prefer: 'return=representation' } }, body }),
      201,
      'POST /products',
    );
    assert.equal(inserted.length, 1);
    const [row] = inserted;
    assert.ok(row);
    const id = row.id;
    assert.ok(Number.isInteger(id) && id !== undefined && id > 20, `a new identity value, got ${id}`);
    // The server writes the caller's tenant: the client never sends it.
    assert.deepEqual(row, { id, tenant_id: 'acme', name, price: 12.25, tags: ['client', 'generated'] });

    const readBack = ok(
      await admin.GET('/products', { params: { query: { id: `eq.${id}`, select: 'id,tenant_id,name,price,tags' } } }),
      200,
      'GET the inserted row',
    );
    assert.deepEqual(readBack, [row]);

    // The reader of the same tenant sees it too.
    const seenByReader = ok(
      await reader.GET('/products', { params: { query: { id: `eq.${id}`, select: 'id,name' } } }),
      200,
      'GET as the reader',
    );
    assert.deepEqual(seenByReader, [{ id, name }]);

    const updated = ok(
      await admin.PATCH('/products', {
        params: { query: { id: `eq.${id}` }, header: { Prefer: 'return=representation' } },
        body: { price: 13.5 } satisfies ProductUpdate,
      }),
      200,
      'PATCH /products',
    );
    assert.deepEqual(updated, [{ ...row, price: 13.5 }]);

    // Without return=representation the answer has no body: openapi-fetch gives no data.
    const minimal = await admin.PATCH('/products', { params: { query: { id: `eq.${id}` } }, body: { tags: [] } satisfies ProductUpdate });
    assert.equal(minimal.response.status, 204);
    assert.equal(minimal.data, undefined);
    assert.equal(minimal.error, undefined);

    const deleted = ok(
      await admin.DELETE('/products', {
        params: { query: { id: `eq.${id}` }, header: { Prefer: 'return=representation' } },
      }),
      200,
      'DELETE /products',
    );
    assert.deepEqual(deleted, [{ ...row, price: 13.5, tags: [] }]);

    const gone = ok(await admin.GET('/products', { params: { query: { id: `eq.${id}` } } }), 200, 'GET after DELETE');
    assert.deepEqual(gone, []);
  });

  test('admin: an array body is one insert, rolled back with Prefer: tx=rollback', T, async () => {
    const rows = ok(
      await admin.POST('/products', {
        params: { header: { Prefer: 'return=representation,tx=rollback' }, query: { select: 'name,price' } },
        body: [
          { name: `${name} a`, price: 1 },
          { name: `${name} b`, price: 2.5 },
        ] satisfies ProductInsert[],
      }),
      201,
      'POST an array',
    );
    assert.deepEqual(rows, [
      { name: `${name} a`, price: 1 },
      { name: `${name} b`, price: 2.5 },
    ]);
    const left = ok(
      await admin.GET('/products', { params: { query: { name: `like.${name}*`, select: 'id' } } }),
      200,
      'GET after the rollback',
    );
    assert.deepEqual(left, []);
  });
});

describe('typed errors', () => {
  test('reader: insert is refused with 403 GH100', T, async () => {
    const error = refused(
      await readerWithAdminTypes.POST('/products', { body: { name: 'never', price: 1 } }),
      403,
      'GH100',
    );
    assert.match(error.message, /insert/);
  });

  test('admin: DELETE without a filter is refused with 400 GH120', T, async () => {
    refused(await admin.DELETE('/products', {}), 400, 'GH120');
  });

  test('admin: a check constraint violation is 400 23514, and nothing is written', T, async () => {
    refused(
      await admin.POST('/products', { body: { name: 'negative', price: -1 }, params: { header: { Prefer: 'return=representation' } } }),
      400,
      '23514',
    );
    const rows = ok(await admin.GET('/products', { params: { query: { name: 'eq.negative' } } }), 200, 'GET negative');
    assert.deepEqual(rows, []);
  });

  test('an unknown column in select is 400 42703', T, async () => {
    refused(await admin.GET('/products', { params: { query: { select: 'id,nope' } } }), 400, '42703');
  });

  test('a token whose claims were changed to another tenant is 401 PGRST301', T, async () => {
    const [header, payload, signature] = adminToken.split('.');
    assert.ok(header && payload && signature, 'the admin token is a JWT');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    assert.equal(claims.tenant_id, 'acme');
    const tampered = Buffer.from(JSON.stringify({ ...claims, tenant_id: 'globex' })).toString('base64url');
    const forged = createClient<AdminPaths, 'application/json'>({
      baseUrl,
      headers: { Authorization: `Bearer ${header}.${tampered}.${signature}` },
      fetch: timedFetch,
    });
    refused(await forged.GET('/products', {}), 401, 'PGRST301');
  });
});

describe('the answers match the documents', () => {
  type Json = Record<string, unknown>;
  type Document = { paths: Record<string, Record<string, { responses?: Record<string, Json> }>>; components: { responses: Record<string, Json> } };
  const documents: Record<Seen['role'], Document> = {
    admin: JSON.parse(readFileSync(`${servedDir}/served-admin.json`, 'utf8')),
    reader: JSON.parse(readFileSync(`${servedDir}/served-reader.json`, 'utf8')),
  };

  test('every status and media type the clients got is documented for its operation', T, () => {
    // The tests above recorded their answers, successes and refusals alike.
    assert.deepEqual([...new Set(seen.map((answer) => answer.status))].sort(), [200, 201, 204, 206, 400]);
    const problems: string[] = [];
    for (const answer of seen) {
      const document = documents[answer.role];
      const what = `${answer.role}: ${answer.method.toUpperCase()} ${answer.path} answered ${answer.status}`;
      const responses = document.paths[answer.path]?.[answer.method]?.responses;
      if (!responses) {
        problems.push(`${what}, and the document has no such operation`);
        continue;
      }
      const key = [String(answer.status), `${Math.floor(answer.status / 100)}XX`, 'default'].find((k) => k in responses);
      if (!key) {
        problems.push(`${what}, not among ${Object.keys(responses).join(', ')}`);
        continue;
      }
      let response = responses[key] as Json;
      const ref = response.$ref;
      if (typeof ref === 'string') {
        response = document.components.responses[ref.replace('#/components/responses/', '')] ?? {};
      }
      if (answer.mediaType !== null) {
        const content = Object.keys((response.content as Json | undefined) ?? {});
        if (!content.includes(answer.mediaType)) {
          problems.push(`${what} with ${answer.mediaType}, documented as [${content.join(', ')}]`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});

// Compiled, never run: each line under `@ts-expect-error` must fail to type-check against the
// generated types (tsc reports an unused `@ts-expect-error` as an error).
export async function typeLevelChecks(): Promise<void> {
  const { data } = await admin.GET('/products', {});
  const first = data?.[0];
  // @ts-expect-error: products has no column `nmae`.
  void first?.nmae;
  // @ts-expect-error: `price` is a number, not a string.
  const price: string | undefined = first?.price;
  void price;
  // @ts-expect-error: `id` is read-only (generated by the database).
  if (first) first.id = 1;

  // @ts-expect-error: `tenant_id` is not part of an insert body (the server sets it).
  const withTenant: ProductInsert = { name: 'x', price: 1, tenant_id: 'globex' };
  void withTenant;
  // @ts-expect-error: nor is `id` (an identity column).
  await admin.POST('/products', { body: { name: 'x', price: 1, id: 7 } satisfies ProductInsert });
  // @ts-expect-error: `price` is required in an insert body.
  await admin.POST('/products', { body: { name: 'x' } });
  // @ts-expect-error: a misspelled body key.
  await admin.PATCH('/products', { params: { query: { id: 'eq.1' } }, body: { prise: 1 } satisfies ProductUpdate });
  // @ts-expect-error: the wrong type for a body value.
  await admin.PATCH('/products', { params: { query: { id: 'eq.1' } }, body: { price: '1' } });
  // @ts-expect-error: `limit` is an integer parameter.
  await admin.GET('/products', { params: { query: { limit: 'ten' } } });
  // @ts-expect-error: no such table.
  await admin.GET('/product', {});

  // @ts-expect-error: the reader's document offers no insert on products.
  await reader.POST('/products', { body: { name: 'x', price: 1 } });
  // @ts-expect-error: nor a delete.
  await reader.DELETE('/products', { params: { query: { id: 'eq.1' } } });
  // @ts-expect-error: the reader does not see customers.notes (hidden).
  void (await reader.GET('/customers', {})).data?.[0]?.notes;
  // The admin does.
  void (await admin.GET('/customers', {})).data?.[0]?.notes;
}
