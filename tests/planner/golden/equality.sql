-- case: equality on a filterable column is sent to Stripe
SELECT id FROM customers WHERE email = 'ada@example.com'
-- sql:
SELECT id FROM "__stripe_scan_0" AS customers WHERE email = 'ada@example.com'
-- requests:
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: IN on a filterable column is one call per value
SELECT id FROM charges WHERE customer IN ('cus_B', 'cus_A')
-- requests:
GET /v1/charges?customer=cus_A&limit=100 SLICED BY created
GET /v1/charges?customer=cus_B&limit=100 SLICED BY created

-- case: equality on a column Stripe cannot filter reads the whole table
SELECT id FROM customers WHERE name = 'Ada'
-- requests:
GET /v1/customers?limit=100 SLICED BY created

-- case: OR is left to the engine
SELECT id FROM customers WHERE email = 'a@example.com' OR email = 'b@example.com'
-- requests:
GET /v1/customers?limit=100 SLICED BY created

-- case: NOT is left to the engine
SELECT id FROM customers WHERE NOT (email = 'a@example.com')
-- requests:
GET /v1/customers?limit=100 SLICED BY created

-- case: a function of the column is left to the engine
SELECT id FROM customers WHERE lower(email) = 'ada@example.com'
-- requests:
GET /v1/customers?limit=100 SLICED BY created

-- case: a boolean filter
SELECT id FROM products WHERE active = true
-- requests:
GET /v1/products?active=true&limit=100 SLICED BY created

-- case: a number compared with a text column is not sent
SELECT id FROM charges WHERE customer = 42
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: two equalities that cannot both hold need no request
SELECT id FROM customers WHERE email = 'a@example.com' AND email = 'b@example.com'
-- requests:
(no request for customers)

-- case: only one IN list is expanded into calls
SELECT id FROM charges WHERE customer IN ('cus_A', 'cus_B') AND payment_intent IN ('pi_1', 'pi_2')
-- requests:
GET /v1/charges?customer=cus_A&limit=100 SLICED BY created
GET /v1/charges?customer=cus_B&limit=100 SLICED BY created

-- case: a filter-only column is sent and filled in
SELECT id, subscription FROM invoices WHERE subscription = 'sub_1'
-- requests:
GET /v1/invoices?subscription=sub_1&limit=100 SLICED BY created

-- case: the value of a parameter is a value, not SQL or URL syntax
-- params: ["x' OR '1'='1&limit=1#"]
SELECT id FROM customers WHERE email = ?
-- requests:
GET /v1/customers?email=x'+OR+'1'%3D'1%26limit%3D1%23&limit=100 SLICED BY created
