-- case: filters on both sides of an inner join are pushed to each side
SELECT c.email, ch.amount FROM charges ch JOIN customers c ON c.id = ch.customer WHERE c.email = 'ada@example.com' AND ch.created >= '2026-01-01'
-- sql:
SELECT c.email, ch.amount FROM "__stripe_scan_0" AS ch JOIN "__stripe_scan_1" AS c ON c.id = ch.customer WHERE c.email = 'ada@example.com' AND ch.created >= '2026-01-01'
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

-- case: a self join gives each reference its own scan; the constant carries across the join
SELECT a.id FROM customers a JOIN customers b ON a.email = b.email WHERE a.email = 'x@example.com'
-- requests:
GET /v1/customers?email=x@example.com&limit=100 SLICED BY created
GET /v1/customers?email=x@example.com&limit=100 SLICED BY created

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

-- case: carried keys: a constant on the parent's id lists only that parent's child rows
SELECT i.id, l.id FROM invoices i JOIN invoices_lines l ON l.invoice = i.id WHERE i.id = 'in_1'
-- requests:
GET /v1/invoices/in_1
GET /v1/invoices/in_1/lines?limit=100

-- case: carried keys: constants carry transitively through two joins
SELECT s.id FROM charges ch JOIN customers c ON c.id = ch.customer JOIN subscriptions s ON s.customer = c.id WHERE ch.customer = 'cus_1'
-- requests:
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created
GET /v1/customers/cus_1
GET /v1/subscriptions?customer=cus_1&status=all&limit=100 SLICED BY created

-- case: carried keys: an IN list carries to a column that is not an id
SELECT ch.id FROM customers c JOIN charges ch ON ch.customer = c.id WHERE c.id IN ('cus_1', 'cus_2')
-- requests:
GET /v1/customers/cus_1
GET /v1/customers/cus_2
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created
GET /v1/charges?customer=cus_2&limit=100 SLICED BY created

-- case: carried keys: a LEFT JOIN carries the preserved side's constant to the joined side
SELECT i.id, l.id FROM invoices i LEFT JOIN invoices_lines l ON l.invoice = i.id WHERE i.id = 'in_1'
-- requests:
GET /v1/invoices/in_1
GET /v1/invoices/in_1/lines?limit=100

-- case: carried keys: a LEFT JOIN carries nothing from the joined side to the preserved side
SELECT l.id, i.id FROM invoices_lines l LEFT JOIN invoices i ON i.id = l.invoice WHERE i.id = 'in_1'
-- requests:
FANOUT GET /v1/invoices?limit=100 SLICED BY created => GET /v1/invoices/{key}/lines?limit=100 EMBEDDED lines
GET /v1/invoices/in_1

-- case: carried keys: a LEFT JOIN's ON constant on the preserved side carries nothing
SELECT i.id, l.id FROM invoices i LEFT JOIN invoices_lines l ON l.invoice = i.id AND i.id = 'in_1'
-- requests:
GET /v1/invoices?limit=100 SLICED BY created
FANOUT GET /v1/invoices?limit=100 SLICED BY created => GET /v1/invoices/{key}/lines?limit=100 EMBEDDED lines

-- case: carried keys: a RIGHT JOIN carries the preserved side's constant to the side before it
-- sqlglot: 30
SELECT i.id, l.id FROM invoices_lines l RIGHT JOIN invoices i ON l.invoice = i.id WHERE i.id = 'in_1'
-- requests:
GET /v1/invoices/in_1/lines?limit=100
GET /v1/invoices/in_1

-- case: carried keys: a FULL JOIN carries nothing
SELECT i.id, l.id FROM invoices i FULL JOIN invoices_lines l ON l.invoice = i.id WHERE i.id = 'in_1'
-- requests:
GET /v1/invoices/in_1
FANOUT GET /v1/invoices?limit=100 SLICED BY created => GET /v1/invoices/{key}/lines?limit=100 EMBEDDED lines

-- case: carried keys: NOT of an equality carries nothing
SELECT i.id, l.id FROM invoices i JOIN invoices_lines l ON l.invoice = i.id WHERE NOT (i.id = 'in_1')
-- requests:
GET /v1/invoices?limit=100 SLICED BY created
FANOUT GET /v1/invoices?limit=100 SLICED BY created => GET /v1/invoices/{key}/lines?limit=100 EMBEDDED lines

-- case: carried keys: an OR carries nothing
SELECT i.id, l.id FROM invoices i JOIN invoices_lines l ON l.invoice = i.id WHERE i.id = 'in_1' OR i.amount_due > 5
-- requests:
GET /v1/invoices?limit=100 SLICED BY created
FANOUT GET /v1/invoices?limit=100 SLICED BY created => GET /v1/invoices/{key}/lines?limit=100 EMBEDDED lines

-- case: carried keys: an ON that is an OR of equalities carries nothing
SELECT i.id, l.id FROM invoices i JOIN invoices_lines l ON l.invoice = i.id OR l.id = 'il_1' WHERE i.id = 'in_1'
-- requests:
GET /v1/invoices/in_1
FANOUT GET /v1/invoices?limit=100 SLICED BY created => GET /v1/invoices/{key}/lines?limit=100 EMBEDDED lines

-- case: keyed read: the whole-table side may be read by the keys the selective side holds
SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.id = ch.customer WHERE ch.created >= '2026-06-01'
-- requests:
GET /v1/charges?created[gte]=1780272000&limit=100 SLICED BY created
KEYED BY ch.customer ≤20 => GET /v1/customers/{key}
GET /v1/customers?limit=100 SLICED BY created

-- case: keyed read: a child table by the parent ids read first, else the fan-out
SELECT i.id, l.amount FROM invoices i JOIN invoices_lines l ON l.invoice = i.id WHERE i.created >= '2026-06-01'
-- requests:
GET /v1/invoices?created[gte]=1780272000&limit=100 SLICED BY created
KEYED BY i.id ≤20 => GET /v1/invoices/{key}/lines?limit=100
FANOUT GET /v1/invoices?limit=100 SLICED BY created => GET /v1/invoices/{key}/lines?limit=100 EMBEDDED lines

-- case: keyed read: by a list filter, one list call per key
SELECT c.id, ch.amount FROM customers c JOIN charges ch ON ch.customer = c.id WHERE c.email = 'ada@example.com'
-- requests:
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created
KEYED BY c.id ≤20 => GET /v1/charges?customer={key}&limit=100 SLICED BY created
GET /v1/charges?limit=100 SLICED BY created

-- case: keyed read: the joined side of a LEFT JOIN
SELECT ch.id, c.email FROM charges ch LEFT JOIN customers c ON c.id = ch.customer WHERE ch.created >= '2026-06-01'
-- requests:
GET /v1/charges?created[gte]=1780272000&limit=100 SLICED BY created
KEYED BY ch.customer ≤20 => GET /v1/customers/{key}
GET /v1/customers?limit=100 SLICED BY created

-- case: keyed read: never the preserved side of a LEFT JOIN
SELECT c.id, ch.id FROM customers c LEFT JOIN charges ch ON ch.customer = c.id WHERE ch.created >= '2026-06-01'
-- requests:
GET /v1/customers?limit=100 SLICED BY created
GET /v1/charges?created[gte]=1780272000&limit=100 SLICED BY created

-- case: keyed read: not for a FULL JOIN
SELECT c.id, ch.id FROM charges ch FULL JOIN customers c ON c.id = ch.customer WHERE ch.created >= '2026-06-01'
-- requests:
GET /v1/charges?created[gte]=1780272000&limit=100 SLICED BY created
GET /v1/customers?limit=100 SLICED BY created

-- case: keyed read: not when the other side sends a filter of its own
SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.id = ch.customer WHERE ch.created >= '2026-06-01' AND c.email = 'ada@example.com'
-- requests:
GET /v1/charges?created[gte]=1780272000&limit=100 SLICED BY created
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: keyed read: not when neither side is narrowed
SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.id = ch.customer WHERE c.name = 'Ada'
-- requests:
GET /v1/charges?limit=100 SLICED BY created
GET /v1/customers?limit=100 SLICED BY created

-- case: keyed read: not by a column the other table cannot look up
SELECT ch.id, c.email FROM charges ch JOIN customers c ON c.name = ch.description WHERE ch.created >= '2026-06-01'
-- requests:
GET /v1/charges?created[gte]=1780272000&limit=100 SLICED BY created
GET /v1/customers?limit=100 SLICED BY created

-- case: keyed read: each scan waits for one plain scan only (no chains)
SELECT ch.id, c.email, s.id FROM charges ch JOIN customers c ON c.id = ch.customer JOIN subscriptions s ON s.customer = c.id WHERE ch.created >= '2026-06-01'
-- requests:
GET /v1/charges?created[gte]=1780272000&limit=100 SLICED BY created
KEYED BY ch.customer ≤20 => GET /v1/customers/{key}
GET /v1/customers?limit=100 SLICED BY created
GET /v1/subscriptions?status=all&limit=100 SLICED BY created

-- case: carried keys: never across a POSITIONAL JOIN (rows pair by position: narrowing either side re-pairs them; both read in Stripe's order)
SELECT a.id, b.id FROM payment_intents a POSITIONAL JOIN charges b WHERE b.id = a.latest_charge AND a.latest_charge = 'ch_1'
-- requests:
GET /v1/payment_intents?limit=100
GET /v1/charges?limit=100

-- case: POSITIONAL JOIN: no filter and no LIMIT reach Stripe (rows pair by position)
SELECT a.id, b.id FROM charges a POSITIONAL JOIN customers b WHERE a.customer = 'cus_1' AND b.email = 'x@example.com' LIMIT 3
-- requests:
GET /v1/charges?limit=100
GET /v1/customers?limit=100
