-- case: a list that takes no limit is one unpaginated call
SELECT id, status FROM accounts_capabilities WHERE account = 'acct_1'
-- requests:
GET /v1/accounts/acct_1/capabilities

-- case: fan-out over accounts to an unpaginated child list
SELECT id FROM accounts_capabilities
-- requests:
FANOUT GET /v1/accounts?limit=100 SLICED BY created => GET /v1/accounts/{key}/capabilities

-- case: reporting report types: one call without limit
SELECT id FROM reporting_report_types
-- requests:
GET /v1/reporting/report_types

-- case: a required param a nested scan default gives (scope[type]=account)
SELECT name FROM apps_secrets
-- requests:
GET /v1/apps/secrets?scope[type]=account&limit=100

-- case: a required param its scan default gives (type=performance)
SELECT id FROM tax_locations
-- requests:
GET /v1/tax/locations?type=performance&limit=100

-- case: a value Stripe's list does not take is left to the engine
SELECT id FROM topups WHERE status = 'reversed'
-- requests:
GET /v1/topups?limit=100 SLICED BY created

-- case: an IN list with one value Stripe does not take is not pushed
SELECT id FROM topups WHERE status IN ('succeeded', 'reversed')
-- requests:
GET /v1/topups?limit=100 SLICED BY created

-- case: accepted values are still pushed
SELECT id FROM topups WHERE status IN ('succeeded', 'pending')
-- requests:
GET /v1/topups?status=pending&limit=100 SLICED BY created
GET /v1/topups?status=succeeded&limit=100 SLICED BY created

-- case: invoice items' date range goes to Stripe as created
SELECT id FROM invoiceitems WHERE date >= TIMESTAMP '2026-01-01 00:00:00+00' AND date < TIMESTAMP '2026-02-01 00:00:00+00'
-- requests:
GET /v1/invoiceitems?created[gte]=1767225600&created[lt]=1769904000&limit=100

-- case: prices are read as the union of active and inactive ones
SELECT id FROM prices
-- requests:
GET /v1/prices?active=true&limit=100 SLICED BY created
GET /v1/prices?active=false&limit=100 SLICED BY created

-- case: a query that gives active reads only that
SELECT id FROM prices WHERE active = false
-- requests:
GET /v1/prices?active=false&limit=100 SLICED BY created

-- case: the union multiplies with an IN list
SELECT id FROM prices WHERE currency IN ('eur', 'usd')
-- requests:
GET /v1/prices?currency=eur&active=true&limit=100 SLICED BY created
GET /v1/prices?currency=eur&active=false&limit=100 SLICED BY created
GET /v1/prices?currency=usd&active=true&limit=100 SLICED BY created
GET /v1/prices?currency=usd&active=false&limit=100 SLICED BY created

-- case: an includable column is expanded on the list
SELECT id, subscriptions FROM customers
-- requests:
GET /v1/customers?expand[]=data.subscriptions&limit=100 SLICED BY created

-- case: an includable column is expanded on a retrieve
SELECT sources FROM customers WHERE id = 'cus_1'
-- requests:
GET /v1/customers/cus_1?expand[]=sources

-- case: columns that are not includable expand nothing
SELECT id, email FROM customers
-- requests:
GET /v1/customers?limit=100 SLICED BY created

-- case: a fan-out over an includable embedded list expands it on the parent
SELECT id, amount_total FROM checkout_sessions_line_items
-- requests:
FANOUT GET /v1/checkout/sessions?expand[]=data.line_items&limit=100 SLICED BY created => GET /v1/checkout/sessions/{key}/line_items?limit=100 EMBEDDED line_items

-- case: LIMIT on a list that takes none: still one call without limit
SELECT id FROM reporting_report_types LIMIT 5
-- requests:
GET /v1/reporting/report_types

-- case: a filter-only column with a value Stripe does not take matches no row
SELECT id FROM treasury_debit_reversals WHERE financial_account = 'fa_1' AND resolution = 'pending'
-- requests:
(no request for treasury_debit_reversals)

-- case: a filter-only IN keeps the values Stripe takes
SELECT id FROM treasury_debit_reversals WHERE financial_account = 'fa_1' AND resolution IN ('won', 'pending')
-- requests:
GET /v1/treasury/debit_reversals?resolution=won&financial_account=fa_1&limit=100
