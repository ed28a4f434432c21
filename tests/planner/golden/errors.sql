-- case: an unknown table suggests the nearest one
SELECT * FROM custmers
-- error: ProgrammingError: Unknown table `custmers`; did you mean `customers`?

-- case: an unknown column suggests the nearest one
SELECT emial FROM customers
-- error: ProgrammingError: Unknown column `emial`; did you mean `email`?

-- case: writes are not supported
INSERT INTO customers (id) VALUES ('cus_1')
-- error: NotSupportedError: stripe_dbapi is read-only: INSERT statements are not supported.

-- case: deletes are not supported
DELETE FROM customers WHERE id = 'cus_1'
-- error: NotSupportedError: stripe_dbapi is read-only: DELETE statements are not supported.

-- case: DDL is not supported
CREATE TABLE x (a INT)
-- error: NotSupportedError: stripe_dbapi is read-only: CREATE statements are not supported.

-- case: a syntax error names the problem
SELECT FROM WHERE
-- error: ProgrammingError: SQL syntax error at line 1, column 17: Expected table name but got `WHERE`

-- case: two statements at once
SELECT 1; SELECT 2
-- error: ProgrammingError: Only one statement can be executed at a time.

-- case: a filter-only column can only be compared with = or IN
SELECT id FROM invoices WHERE subscription LIKE 'sub_%'
-- error: ProgrammingError: `invoices.subscription` is a filter-only column (Stripe does not return it): it can only be compared with constants, = or IN, in WHERE.

-- case: a required parameter that no parent supplies
SELECT * FROM billing_meters_event_summaries WHERE meter = 'mtr_1'
-- error: ProgrammingError: Stripe needs `customer`, `end_time`, `start_time` to list `billing_meters_event_summaries`: add WHERE customer = … to the query.

-- case: too few parameters
-- params: ["a"]
SELECT id FROM customers WHERE email = ? AND name = ?
-- error: ProgrammingError: The query has 2 placeholders but 1 parameters were given.

-- case: an unknown schema
SELECT * FROM other.customers
-- error: ProgrammingError: Unknown schema `other`; Stripe tables live in `stripe`.

-- case: a filter-only column compared with a subquery would match nothing
SELECT count(*) FROM invoices WHERE subscription = (SELECT 'sub_1')
-- error: ProgrammingError: `invoices.subscription` is a filter-only column (Stripe does not return it): it can only be compared with constants, = or IN, in WHERE.

-- case: a join over a filter-only column would match nothing
SELECT count(*) FROM invoices i JOIN subscriptions s ON i.subscription = s.id
-- error: ProgrammingError: `invoices.subscription` is a filter-only column (Stripe does not return it): it can only be compared with constants, = or IN, in WHERE.

-- case: an unknown catalog
SELECT * FROM other.stripe.customers
-- error: ProgrammingError: Unknown catalog `other`; Stripe tables live in `stripe`.

-- case: a misspelt first word is named, not read as a multiplication
SELEC * FRM
-- error: ProgrammingError: SQL syntax error at line 1, column 1: `SELEC` starts no statement; a query starts with SELECT, WITH, FROM, VALUES, TABLE or PIVOT.

-- case: a misspelt first word is pointed at, not a later column
SELEC id FROM customers
-- error: ProgrammingError: SQL syntax error at line 1, column 1: `SELEC` starts no statement; a query starts with SELECT, WITH, FROM, VALUES, TABLE or PIVOT.

-- case: the first word after a comment and on a later line is found where it stands
-- a comment
  SELEC id FROM customers
-- error: ProgrammingError: SQL syntax error at line 2, column 3: `SELEC` starts no statement; a query starts with SELECT, WITH, FROM, VALUES, TABLE or PIVOT.

-- case: a filter-only column used outside = and IN is refused even when no call is needed (found by the fuzzer)
SELECT id FROM events WHERE id = NULL AND delivery_success NOT IN (true)
-- error: ProgrammingError: `events.delivery_success` is a filter-only column (Stripe does not return it): it can only be compared with constants, = or IN, in WHERE.

-- case: a contradiction on a filter-only column is still no request
SELECT id FROM invoices WHERE subscription = 'sub_1' AND subscription = 'sub_2'
-- requests:
(no request for invoices)
