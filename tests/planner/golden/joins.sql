-- case: filters on both sides of an inner join are pushed to each side
SELECT c.email, ch.amount FROM charges ch JOIN customers c ON c.id = ch.customer WHERE c.email = 'ada@example.com' AND ch.created >= '2026-01-01'
-- sql:
SELECT c.email, ch.amount FROM (SELECT "id", "amount", TO_TIMESTAMP("created") AS "created", "customer" FROM "__stripe_scan_0") AS ch JOIN (SELECT "id", "email" FROM "__stripe_scan_1") AS c ON c.id = ch.customer WHERE c.email = 'ada@example.com' AND ch.created >= '2026-01-01'
-- requests:
GET /v1/charges?created[gte]=1767225600&limit=100 SLICED BY created
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: a filter in an inner join's ON is pushed
SELECT c.email FROM customers c JOIN charges ch ON ch.customer = c.id AND ch.customer = 'cus_1'
-- requests:
GET /v1/customers/cus_1
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created

-- case: a LEFT JOIN's ON does not filter the preserved side
SELECT c.id FROM customers c LEFT JOIN charges ch ON ch.customer = c.id AND c.email = 'ada@example.com'
-- requests:
GET /v1/customers?limit=100 SLICED BY created
GET /v1/charges?limit=100 SLICED BY created

-- case: a WHERE on the outer side of a LEFT JOIN is still a safe narrowing
SELECT c.id FROM customers c LEFT JOIN charges ch ON ch.customer = c.id WHERE ch.customer = 'cus_1'
-- requests:
GET /v1/customers?limit=100 SLICED BY created
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created

-- case: a CTE's filter is pushed into its scan
WITH recent AS (SELECT * FROM charges WHERE created >= '2026-06-01') SELECT count(*) FROM recent
-- requests:
GET /v1/charges?created[gte]=1780272000&expand[]=data.refunds&limit=100 SLICED BY created

-- case: a self join gives each reference its own scan
SELECT a.id FROM customers a JOIN customers b ON a.email = b.email WHERE a.email = 'x@example.com'
-- requests:
GET /v1/customers?email=x@example.com&limit=100 SLICED BY created
GET /v1/customers?limit=100 SLICED BY created

-- case: a subquery in IN is not pushed; each table scans
SELECT id FROM charges WHERE customer IN (SELECT id FROM customers WHERE email = 'ada@example.com')
-- requests:
GET /v1/charges?limit=100 SLICED BY created
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: a UNION plans each side
SELECT id FROM customers WHERE email = 'a@example.com' UNION ALL SELECT id FROM customers WHERE email = 'b@example.com'
-- requests:
GET /v1/customers?email=a@example.com&limit=100 SLICED BY created
GET /v1/customers?email=b@example.com&limit=100 SLICED BY created

-- case: stripe.schema-qualified names are the same tables
SELECT id FROM stripe.customers WHERE email = 'ada@example.com'
-- requests:
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: information_schema needs no request
SELECT table_name FROM information_schema.tables WHERE table_schema = 'stripe'
-- requests:

-- case: join pushdown: constants on the foreign key become retrieves of the referenced ids
SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.id = ch.customer WHERE ch.customer IN ('cus_1', 'cus_2')
-- requests:
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created
GET /v1/charges?customer=cus_2&limit=100 SLICED BY created
GET /v1/customers/cus_1
GET /v1/customers/cus_2

-- case: join pushdown through a LEFT JOIN narrows the joined (null-supplying) side
SELECT ch.id, c.email FROM charges ch LEFT JOIN customers c ON c.id = ch.customer WHERE ch.customer = 'cus_1'
-- requests:
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created
GET /v1/customers/cus_1

-- case: join pushdown never narrows the preserved side of a LEFT JOIN
SELECT c.id, ch.id FROM customers c LEFT JOIN charges ch ON c.id = ch.customer WHERE ch.customer = 'cus_1'
-- requests:
GET /v1/customers?limit=100 SLICED BY created
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created

-- case: join pushdown in an implicit join
SELECT ch.id, c.email FROM charges ch, customers c WHERE c.id = ch.customer AND ch.customer = 'cus_1'
-- requests:
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created
GET /v1/customers/cus_1

-- case: a join without constants on the key scans both tables in parallel slices
SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.id = ch.customer
-- requests:
GET /v1/charges?limit=100 SLICED BY created
GET /v1/customers?limit=100 SLICED BY created
