-- case: a child table by its parent key uses the nested path
SELECT id, amount FROM invoices_lines WHERE invoice = 'in_1'
-- requests:
GET /v1/invoices/in_1/lines?limit=100

-- case: a child table without its parent key fans out over the parent
SELECT count(*) FROM invoices_lines
-- sql:
SELECT COUNT(*) FROM "__stripe_scan_0" AS invoices_lines
-- requests:
FANOUT GET /v1/invoices?limit=100 SLICED BY created => GET /v1/invoices/{key}/lines?limit=100 EMBEDDED lines

-- case: several parent keys are one nested call each
SELECT id FROM invoices_lines WHERE invoice IN ('in_1', 'in_2')
-- requests:
GET /v1/invoices/in_1/lines?limit=100
GET /v1/invoices/in_2/lines?limit=100

-- case: a parent given as a required query parameter
SELECT id FROM subscription_items WHERE subscription = 'sub_1'
-- requests:
GET /v1/subscription_items?subscription=sub_1&limit=100

-- case: a fan-out over a parent that has a scan default
SELECT id FROM subscription_items
-- requests:
FANOUT GET /v1/subscriptions?status=all&limit=100 SLICED BY created => GET /v1/subscription_items?subscription={key}&limit=100 EMBEDDED items

-- case: a child with no parent table to fan out from must be given its key
SELECT id FROM tax_calculations_line_items
-- error: ProgrammingError: Stripe lists `tax_calculations_line_items` only for one `calculation` at a time: add WHERE calculation = … to the query.
