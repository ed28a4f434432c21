-- case: an id look-up is a retrieve
SELECT * FROM customers WHERE id = 'cus_123'
-- requests:
GET /v1/customers/cus_123?expand[]=cash_balance&expand[]=invoice_credit_balance&expand[]=sources&expand[]=subscriptions&expand[]=tax&expand[]=tax_ids

-- case: an id IN list is one retrieve per distinct id
SELECT id FROM customers WHERE id IN ('cus_2', 'cus_1', 'cus_2')
-- requests:
GET /v1/customers/cus_1
GET /v1/customers/cus_2

-- case: an id is path-escaped
SELECT id FROM customers WHERE id = '../charges?x=1'
-- requests:
GET /v1/customers/..%2Fcharges%3Fx%3D1

-- case: a child table's retrieve needs its parent key too
SELECT id FROM customers_balance_transactions WHERE customer = 'cus_1' AND id = 'cbtxn_1'
-- requests:
GET /v1/customers/cus_1/balance_transactions/cbtxn_1
