-- case: LIMIT alone is sent as the page size
SELECT id FROM charges LIMIT 5
-- requests:
GET /v1/charges?limit=5

-- case: LIMIT with OFFSET fetches both
SELECT id FROM charges LIMIT 5 OFFSET 10
-- sql:
SELECT id FROM "__stripe_scan_0" AS charges LIMIT 5 OFFSET 10
-- requests:
GET /v1/charges?limit=15

-- case: LIMIT with ORDER BY created DESC matches Stripe's order
SELECT id FROM charges ORDER BY created DESC LIMIT 3
-- requests:
GET /v1/charges?limit=3

-- case: LIMIT with another order is not sent
SELECT id FROM charges ORDER BY amount DESC LIMIT 3
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: LIMIT after a filter Stripe cannot apply is not sent
SELECT id FROM charges WHERE amount > 100 LIMIT 3
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: LIMIT after a pushed filter is sent
SELECT id FROM charges WHERE customer = 'cus_1' LIMIT 3
-- requests:
GET /v1/charges?customer=cus_1&limit=3

-- case: LIMIT over an aggregate is not sent
SELECT customer, count(*) FROM charges GROUP BY customer LIMIT 3
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: LIMIT 0 needs no request
SELECT id FROM charges LIMIT 0
-- requests:
(no request for charges)

-- case: LIMIT with an IN list caps every call
SELECT id FROM charges WHERE customer IN ('cus_1', 'cus_2') LIMIT 2
-- requests:
GET /v1/charges?customer=cus_1&limit=2
GET /v1/charges?customer=cus_2&limit=2

-- case: a LIMIT larger than a page
SELECT id FROM charges LIMIT 250
-- requests:
GET /v1/charges?limit=100
