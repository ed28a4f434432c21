-- case: without UseSearch a metadata filter reads the list
SELECT id FROM customers WHERE metadata->>'plan' = 'pro'
-- requests:
GET /v1/customers?limit=100 SLICED BY created

-- case: with UseSearch a metadata filter is a search query
-- use_search: true
SELECT id FROM customers WHERE metadata->>'plan' = 'pro' AND created >= '2026-01-01'
-- sql:
SELECT id FROM "__stripe_scan_0" AS customers WHERE (metadata ->> '$.plan') = 'pro' AND created >= '2026-01-01'
-- requests:
GET /v1/customers/search?query=metadata['plan']:'pro'+AND+created>%3D1767225600&limit=100

-- case: with UseSearch a filter the list endpoint takes stays a list call
-- use_search: true
SELECT id FROM customers WHERE email = 'ada@example.com'
-- requests:
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: search values are quoted and escaped
-- use_search: true
SELECT id FROM charges WHERE amount > 1000 AND status = 'succeeded' AND metadata->>'note' = 'it''s'
-- requests:
GET /v1/charges/search?query=metadata['note']:'it%5C's'+AND+amount>1000+AND+status:'succeeded'&limit=100

-- case: a fractional bound widens to the whole second in search
-- use_search: true
SELECT id FROM subscriptions WHERE created > '2026-01-01 00:00:00.5' AND metadata->>'plan' = 'pro'
-- requests:
GET /v1/subscriptions/search?query=metadata['plan']:'pro'+AND+created>%3D1767225601&limit=100

-- case: a table without the Search API ignores UseSearch
-- use_search: true
SELECT id FROM refunds WHERE metadata->>'plan' = 'pro'
-- requests:
GET /v1/refunds?limit=100 SLICED BY created

-- case: id look-ups stay retrieves with UseSearch
-- use_search: true
SELECT id FROM customers WHERE id = 'cus_1' AND name = 'Ada'
-- requests:
GET /v1/customers/cus_1

-- case: an includable column read through search is expanded there too
-- use_search: true
SELECT id, subscriptions FROM customers WHERE metadata->>'tier' = 'gold'
-- requests:
GET /v1/customers/search?query=metadata['tier']:'gold'&expand[]=data.subscriptions&limit=100
