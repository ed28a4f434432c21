-- case: a bare column over a CTE of SELECT * still pushes the filter
WITH c AS (SELECT * FROM charges) SELECT id FROM c WHERE currency = 'eur' AND created >= '2026-01-01'
-- requests:
GET /v1/charges?created[gte]=1767225600&limit=100 SLICED BY created

-- case: a bare column over a derived table of SELECT *
SELECT id FROM (SELECT * FROM charges) c LIMIT 1
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: a whole-row reference reads every column
SELECT to_json(c) FROM charges c LIMIT 1
-- requests:
GET /v1/charges?limit=1

-- case: COLUMNS() reads every column
SELECT COLUMNS('amount.*') FROM charges LIMIT 1
-- requests:
GET /v1/charges?limit=1

-- case: LIMIT PERCENT is not a page size
SELECT id FROM charges LIMIT 10 PERCENT
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: an integer compared with created is unix seconds
SELECT id FROM charges WHERE created > 1780000000
-- requests:
GET /v1/charges?created[gt]=1780000000&limit=100 SLICED BY created

-- case: integers in BETWEEN and IN on created
SELECT id FROM refunds WHERE created BETWEEN 1780000000 AND 1780086400
-- requests:
GET /v1/refunds?created[gte]=1780000000&created[lte]=1780086400&limit=100 SLICED BY created

-- case: a catalog-qualified name is the same table
SELECT id FROM memory.stripe.customers WHERE email = 'ada@example.com'
-- requests:
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: EXPLAIN after a comment
/* why */ -- and a line comment
EXPLAIN SELECT id FROM customers LIMIT 1
-- requests:
GET /v1/customers?limit=1

-- case: a PIVOT reads every column of its source
SELECT * FROM (PIVOT charges ON currency USING count(*) GROUP BY status)
-- requests:
GET /v1/charges?limit=100 SLICED BY created
