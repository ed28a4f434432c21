-- case: subscriptions are read with status=all so canceled ones are not lost
SELECT id FROM subscriptions
-- requests:
GET /v1/subscriptions?status=all&limit=100 SLICED BY created

-- case: a status in the query replaces the default
SELECT id FROM subscriptions WHERE status = 'canceled'
-- requests:
GET /v1/subscriptions?status=canceled&limit=100 SLICED BY created

-- case: a customer filter keeps the default
SELECT id FROM subscriptions WHERE customer = 'cus_1'
-- requests:
GET /v1/subscriptions?customer=cus_1&status=all&limit=100 SLICED BY created
