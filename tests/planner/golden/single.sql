-- case: the balance is one GET of /v1/balance, no limit or cursor
SELECT kind, currency, amount FROM balance
-- requests:
GET /v1/balance

-- case: a filter on the balance stays with the engine
SELECT amount FROM balance WHERE currency = 'usd' AND kind = 'available'
-- requests:
GET /v1/balance

-- case: LIMIT is not sent to a single-object endpoint
SELECT * FROM balance LIMIT 1
-- requests:
GET /v1/balance

-- case: the authenticated account is one GET of /v1/account
SELECT id, country FROM account
-- requests:
GET /v1/account

-- case: an id on the account is not a retrieve of /v1/accounts/{id}
SELECT id FROM account WHERE id = 'acct_1' LIMIT 1
-- requests:
GET /v1/account

-- case: an id list on the account is not sent either
SELECT id FROM account WHERE id IN ('acct_1', 'acct_2')
-- requests:
GET /v1/account

-- case: a join reads the account whole and the charges by the constants it carries
SELECT c.id FROM charges c JOIN account a ON a.id = c.on_behalf_of WHERE a.id = 'acct_1'
-- requests:
GET /v1/charges?limit=100 SLICED BY created
GET /v1/account

-- case: the account joined to its balance, each one GET
SELECT a.id, b.currency, b.amount FROM account a CROSS JOIN balance b
-- requests:
GET /v1/account
GET /v1/balance
