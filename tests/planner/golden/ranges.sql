-- case: created on or after a date
SELECT id FROM customers WHERE created >= '2026-01-01'
-- requests:
GET /v1/customers?created[gte]=1767225600&limit=100 SLICED BY created

-- case: a strict bound keeps its operator
SELECT id FROM charges WHERE created > TIMESTAMP '2026-01-01 00:00:00' AND created < DATE '2026-02-01'
-- sql:
SELECT id FROM "__stripe_scan_0" AS charges WHERE created > CAST('2026-01-01 00:00:00' AS TIMESTAMP) AND created < CAST('2026-02-01' AS DATE)
-- requests:
GET /v1/charges?created[gt]=1767225600&created[lt]=1769904000&limit=100 SLICED BY created

-- case: BETWEEN is both bounds, inclusive
SELECT id FROM charges WHERE created BETWEEN '2026-03-01' AND '2026-03-31 23:59:59'
-- requests:
GET /v1/charges?created[gte]=1772323200&created[lte]=1775001599&limit=100 SLICED BY created

-- case: a time zone offset is converted to UTC
SELECT id FROM charges WHERE created >= TIMESTAMPTZ '2026-01-01 00:00:00+02:00'
-- requests:
GET /v1/charges?created[gte]=1767218400&limit=100 SLICED BY created

-- case: a fractional bound becomes the equivalent whole second
SELECT id FROM charges WHERE created > '2026-01-01 00:00:00.5'
-- requests:
GET /v1/charges?created[gte]=1767225601&limit=100 SLICED BY created

-- case: the constant may stand on the left
SELECT id FROM charges WHERE '2026-01-01' <= created
-- requests:
GET /v1/charges?created[gte]=1767225600&limit=100 SLICED BY created

-- case: the tighter of two bounds wins
SELECT id FROM charges WHERE created >= '2026-01-01' AND created >= '2026-02-01' AND created < '2026-05-01'
-- requests:
GET /v1/charges?created[gte]=1769904000&created[lt]=1777593600&limit=100 SLICED BY created

-- case: an empty range needs no request
-- sqlglot: 30
SELECT id FROM charges WHERE created > '2026-05-01' AND created < '2026-04-01'
-- requests:
(no request for charges)

-- case: equality on created is an exact created value
SELECT id FROM charges WHERE created = '2026-01-01 10:00:00'
-- requests:
GET /v1/charges?created=1767261600&limit=100 SLICED BY created

-- case: a range on a column Stripe cannot filter reads the whole table
SELECT id FROM charges WHERE amount > 1000
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: a range parameter as a query parameter
-- params: ["2026-06-01"]
SELECT id FROM invoices WHERE created >= ?
-- requests:
GET /v1/invoices?created[gte]=1780272000&limit=100 SLICED BY created
