-- case: values bind in the order the placeholders are written, LIMIT included
-- params: ["cus_1", "2026-01-01", 5]
SELECT id FROM charges WHERE customer = ? AND created >= ? LIMIT ?
-- sql:
SELECT id FROM "__stripe_scan_0" AS charges WHERE customer = 'cus_1' AND created >= '2026-01-01' LIMIT 5
-- requests:
GET /v1/charges?created[gte]=1767225600&customer=cus_1&limit=5

-- case: numbered placeholders bind by position
-- params: ["2026-02-01", "cus_9"]
SELECT id FROM charges WHERE customer = $2 AND created < $1
-- requests:
GET /v1/charges?created[lt]=1769904000&customer=cus_9&limit=100 SLICED BY created

-- case: named placeholders bind by name
-- params: {"who": "ada@example.com"}
SELECT id FROM customers WHERE email = $who
-- requests:
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: an IN list of parameters is one call per value
-- params: ["cus_2", "cus_1"]
SELECT id FROM charges WHERE customer IN (?, ?)
-- requests:
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created
GET /v1/charges?customer=cus_2&limit=100 SLICED BY created

-- case: BETWEEN two parameters
-- params: ["2026-03-01", "2026-03-02"]
SELECT id FROM refunds WHERE created BETWEEN ? AND ?
-- requests:
GET /v1/refunds?created[gte]=1772323200&created[lte]=1772409600&limit=100 SLICED BY created
