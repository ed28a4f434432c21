-- case: defect 1: an aggregate sqlglot does not know is not run page by page
SELECT mean(amount) FROM charges
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: defect 1: an unknown aggregate keeps LIMIT from Stripe
SELECT fsum(amount) FROM charges LIMIT 5
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: defect 2: two IN lists, one left to the engine: no LIMIT to Stripe
SELECT id FROM invoices WHERE collection_method IN ('charge_automatically', 'send_invoice') AND customer IN ('cus_1', 'cus_2') ORDER BY created DESC LIMIT 3
-- requests:
GET /v1/invoices?collection_method=charge_automatically&limit=100 SLICED BY created
GET /v1/invoices?collection_method=send_invoice&limit=100 SLICED BY created

-- case: defect 2: more than 100 ids fall back to a scan without the LIMIT
SELECT id FROM charges WHERE id IN ('ch_0', 'ch_1', 'ch_2', 'ch_3', 'ch_4', 'ch_5', 'ch_6', 'ch_7', 'ch_8', 'ch_9', 'ch_10', 'ch_11', 'ch_12', 'ch_13', 'ch_14', 'ch_15', 'ch_16', 'ch_17', 'ch_18', 'ch_19', 'ch_20', 'ch_21', 'ch_22', 'ch_23', 'ch_24', 'ch_25', 'ch_26', 'ch_27', 'ch_28', 'ch_29', 'ch_30', 'ch_31', 'ch_32', 'ch_33', 'ch_34', 'ch_35', 'ch_36', 'ch_37', 'ch_38', 'ch_39', 'ch_40', 'ch_41', 'ch_42', 'ch_43', 'ch_44', 'ch_45', 'ch_46', 'ch_47', 'ch_48', 'ch_49', 'ch_50', 'ch_51', 'ch_52', 'ch_53', 'ch_54', 'ch_55', 'ch_56', 'ch_57', 'ch_58', 'ch_59', 'ch_60', 'ch_61', 'ch_62', 'ch_63', 'ch_64', 'ch_65', 'ch_66', 'ch_67', 'ch_68', 'ch_69', 'ch_70', 'ch_71', 'ch_72', 'ch_73', 'ch_74', 'ch_75', 'ch_76', 'ch_77', 'ch_78', 'ch_79', 'ch_80', 'ch_81', 'ch_82', 'ch_83', 'ch_84', 'ch_85', 'ch_86', 'ch_87', 'ch_88', 'ch_89', 'ch_90', 'ch_91', 'ch_92', 'ch_93', 'ch_94', 'ch_95', 'ch_96', 'ch_97', 'ch_98', 'ch_99', 'ch_100') LIMIT 5
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: defect 2: a child table's id without its parent key fans out without the LIMIT
SELECT * FROM products_features WHERE id = 'prodft_1' LIMIT 1
-- requests:
FANOUT GET /v1/products?limit=100 SLICED BY created => GET /v1/products/{key}/features?limit=100

-- case: defect 2: a fractional second in a created IN list can never match; the rest is exact
SELECT id FROM charges WHERE created IN ('2026-01-01 00:00:39', '2026-01-01 00:00:39.5') LIMIT 5
-- requests:
GET /v1/charges?created=1767225639&limit=5

-- case: defect 3: ORDER BY a select alias named created is not Stripe's order
SELECT amount AS created FROM charges ORDER BY created DESC LIMIT 5
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: defect 3: ORDER BY the projected created column still is
SELECT id, created FROM charges ORDER BY created DESC LIMIT 5
-- requests:
GET /v1/charges?limit=5

-- case: defect 4: a filter outside a DISTINCT ON subquery stays outside it
SELECT * FROM (SELECT DISTINCT ON (customer) * FROM invoices ORDER BY customer, created DESC) WHERE status = 'open'
-- requests:
GET /v1/invoices?limit=100 SLICED BY created

-- case: defect 5: BETWEEN SYMMETRIC with its bounds high to low
SELECT id FROM charges WHERE created BETWEEN SYMMETRIC '2026-02-01' AND '2026-01-01'
-- requests:
GET /v1/charges?created[gte]=1767225600&created[lte]=1769904000&limit=100 SLICED BY created

-- case: defect 6: date_trunc with an offset literal is left to the engine
SELECT id FROM charges WHERE date_trunc('day', created) > TIMESTAMPTZ '2026-01-01 00:00:00+02:00'
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: defect 7: a filter-only IN list is always expanded, beside another one
SELECT id FROM invoices WHERE customer IN ('cus_1', 'cus_2') AND subscription IN ('sub_1', 'sub_2')
-- requests:
GET /v1/invoices?customer=cus_1&subscription=sub_1&limit=100 SLICED BY created
GET /v1/invoices?customer=cus_1&subscription=sub_2&limit=100 SLICED BY created
GET /v1/invoices?customer=cus_2&subscription=sub_1&limit=100 SLICED BY created
GET /v1/invoices?customer=cus_2&subscription=sub_2&limit=100 SLICED BY created

-- case: defect 8: UseSearch does not replace a list call that fills a filter-only column
-- use_search: true
SELECT id FROM subscriptions WHERE price = 'price_1' AND metadata->>'channel' = 'web'
-- requests:
GET /v1/subscriptions?price=price_1&status=all&limit=100 SLICED BY created

-- case: defect 12: integers compared with a user's own column named created stay integers
WITH x AS (SELECT CAST(epoch(created) AS BIGINT) AS created FROM charges) SELECT count(*) FROM x WHERE created > 1780000000
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: defect 12: through a plain CTE, created is still Stripe's unix time
WITH x AS (SELECT * FROM charges) SELECT count(*) FROM x WHERE created > 1780000000
-- requests:
GET /v1/charges?created[gt]=1780000000&expand[]=data.refunds&limit=100 SLICED BY created

-- case: defect 13: GROUP BY the parent key a fan-out fills
SELECT subscription, count(*) FROM subscription_items GROUP BY subscription
-- requests:
FANOUT GET /v1/subscriptions?status=all&limit=100 SLICED BY created => GET /v1/subscription_items?subscription={key}&limit=100 EMBEDDED items

-- case: a comparison with NULL is never true: no request
SELECT id FROM customers WHERE email = NULL
-- requests:
(no request for customers)

-- case: IN lists over 100 values fall back to a wider scan instead of failing
SELECT id FROM invoices WHERE customer IN ('cus_0', 'cus_1', 'cus_2', 'cus_3', 'cus_4', 'cus_5', 'cus_6', 'cus_7', 'cus_8', 'cus_9', 'cus_10', 'cus_11', 'cus_12', 'cus_13', 'cus_14', 'cus_15', 'cus_16', 'cus_17', 'cus_18', 'cus_19', 'cus_20', 'cus_21', 'cus_22', 'cus_23', 'cus_24', 'cus_25', 'cus_26', 'cus_27', 'cus_28', 'cus_29', 'cus_30', 'cus_31', 'cus_32', 'cus_33', 'cus_34', 'cus_35', 'cus_36', 'cus_37', 'cus_38', 'cus_39', 'cus_40', 'cus_41', 'cus_42', 'cus_43', 'cus_44', 'cus_45', 'cus_46', 'cus_47', 'cus_48', 'cus_49', 'cus_50', 'cus_51', 'cus_52', 'cus_53', 'cus_54', 'cus_55', 'cus_56', 'cus_57', 'cus_58', 'cus_59', 'cus_60', 'cus_61', 'cus_62', 'cus_63', 'cus_64', 'cus_65', 'cus_66', 'cus_67', 'cus_68', 'cus_69', 'cus_70', 'cus_71', 'cus_72', 'cus_73', 'cus_74', 'cus_75', 'cus_76', 'cus_77', 'cus_78', 'cus_79', 'cus_80', 'cus_81', 'cus_82', 'cus_83', 'cus_84', 'cus_85', 'cus_86', 'cus_87', 'cus_88', 'cus_89', 'cus_90', 'cus_91', 'cus_92', 'cus_93', 'cus_94', 'cus_95', 'cus_96', 'cus_97', 'cus_98', 'cus_99', 'cus_100')
-- requests:
GET /v1/invoices?limit=100 SLICED BY created

-- case: a moving lower bound (now() minus an interval) is pushed, widened to the planning time
SELECT id FROM charges WHERE created >= now() - INTERVAL 90 DAY
-- requests:
GET /v1/charges?created[gte]=1785715200&limit=100 SLICED BY created

-- case: a widened bound keeps LIMIT from Stripe
SELECT id FROM charges WHERE created > current_timestamp - INTERVAL '1 month' ORDER BY created DESC LIMIT 5
-- requests:
GET /v1/charges?created[gte]=1790812800&limit=100 SLICED BY created

-- case: an upper bound at now() is left to the engine
SELECT id FROM charges WHERE created < now() - INTERVAL 1 DAY
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: an empty parent key names no object: no request, no rows
SELECT count(*) FROM customers_tax_ids WHERE customer = ''
-- requests:
(no request for customers_tax_ids)

-- case: of several parent keys, only those naming an object are called
SELECT id FROM invoices_lines WHERE invoice IN ('', 'in_1', '..')
-- requests:
GET /v1/invoices/in_1/lines?limit=100

-- case: an id with a filter-only column is a list call that fills it, not a retrieve (found by the fuzzer)
SELECT id, created FROM promotion_codes WHERE id = 'promo_1' AND coupon = 'SUMMER' LIMIT 1
-- requests:
GET /v1/promotion_codes?coupon=SUMMER&limit=100 SLICED BY created

-- case: an id of a child whose filter-only parent key is read is not a retrieve: the fan-out fills the key (found by the fuzzer)
SELECT * FROM entitlements_active_entitlements WHERE id = 'ent_1'
-- requests:
FANOUT GET /v1/customers?limit=100 SLICED BY created => GET /v1/entitlements/active_entitlements?customer={key}&limit=100

-- case: the same id without reading the parent key is one retrieve
SELECT id, feature FROM entitlements_active_entitlements WHERE id = 'ent_1'
-- requests:
GET /v1/entitlements/active_entitlements/ent_1

-- case: integers in a repeated IN are unix seconds in both lists (the simplifier merges equal conjuncts; found by the fuzzer)
SELECT id FROM customers WHERE created IN (1792892475, '2020-01-01') AND created IN (1792892475, '2020-01-01')
-- sql:
SELECT id FROM "__stripe_scan_0" AS customers WHERE created IN (TO_TIMESTAMP(1792892475), '2020-01-01') AND created IN (TO_TIMESTAMP(1792892475), '2020-01-01')
-- requests:
GET /v1/customers?created=1577836800&limit=100 SLICED BY created
GET /v1/customers?created=1792892475&limit=100 SLICED BY created
