-- case: a bare column over a CTE of SELECT * still pushes the filter
WITH c AS (SELECT * FROM charges) SELECT id FROM c WHERE currency = 'eur' AND created >= '2026-01-01'
-- requests:
GET /v1/charges?created[gte]=1767225600&expand[]=data.refunds&limit=100 SLICED BY created

-- case: a bare column over a derived table of SELECT *
SELECT id FROM (SELECT * FROM charges) c LIMIT 1
-- requests:
GET /v1/charges?expand[]=data.refunds&limit=100 SLICED BY created

-- case: a whole-row reference reads every column
-- sqlglot: 30
SELECT to_json(c) FROM charges c LIMIT 1
-- requests:
GET /v1/charges?expand[]=data.refunds&limit=1

-- case: COLUMNS() reads every column
SELECT COLUMNS('amount.*') FROM charges LIMIT 1
-- requests:
GET /v1/charges?expand[]=data.refunds&limit=1

-- case: LIMIT PERCENT is not a page size
SELECT id FROM charges LIMIT 10 PERCENT
-- requests:
GET /v1/charges?limit=100 SLICED BY created

-- case: an integer compared with created is unix seconds
SELECT id FROM charges WHERE created > 1780000000
-- requests:
GET /v1/charges?created[gt]=1780000000&limit=100 SLICED BY created

-- case: integers in BETWEEN and IN on created
SELECT id FROM refunds WHERE created BETWEEN 1780000000 AND 1780086400
-- requests:
GET /v1/refunds?created[gte]=1780000000&created[lte]=1780086400&limit=100 SLICED BY created

-- case: a catalog-qualified name is the same table
SELECT id FROM memory.stripe.customers WHERE email = 'ada@example.com'
-- requests:
GET /v1/customers?email=ada@example.com&limit=100 SLICED BY created

-- case: EXPLAIN after a comment
/* why */ -- and a line comment
EXPLAIN SELECT id FROM customers LIMIT 1
-- requests:
GET /v1/customers?limit=1

-- case: a PIVOT reads every column of its source
SELECT * FROM (PIVOT charges ON currency USING count(*) GROUP BY status)
-- requests:
GET /v1/charges?expand[]=data.refunds&limit=100 SLICED BY created

-- case: a very long AND chain is planned without pushdown, quickly
SELECT id FROM charges WHERE customer = 'cus_1' AND amount <> 0 AND amount <> 1 AND amount <> 2 AND amount <> 3 AND amount <> 4 AND amount <> 5 AND amount <> 6 AND amount <> 7 AND amount <> 8 AND amount <> 9 AND amount <> 10 AND amount <> 11 AND amount <> 12 AND amount <> 13 AND amount <> 14 AND amount <> 15 AND amount <> 16 AND amount <> 17 AND amount <> 18 AND amount <> 19 AND amount <> 20 AND amount <> 21 AND amount <> 22 AND amount <> 23 AND amount <> 24 AND amount <> 25 AND amount <> 26 AND amount <> 27 AND amount <> 28 AND amount <> 29 AND amount <> 30 AND amount <> 31 AND amount <> 32 AND amount <> 33 AND amount <> 34 AND amount <> 35 AND amount <> 36 AND amount <> 37 AND amount <> 38 AND amount <> 39 AND amount <> 40 AND amount <> 41 AND amount <> 42 AND amount <> 43 AND amount <> 44 AND amount <> 45 AND amount <> 46 AND amount <> 47 AND amount <> 48 AND amount <> 49 AND amount <> 50 AND amount <> 51 AND amount <> 52 AND amount <> 53 AND amount <> 54 AND amount <> 55 AND amount <> 56 AND amount <> 57 AND amount <> 58 AND amount <> 59 AND amount <> 60 AND amount <> 61 AND amount <> 62 AND amount <> 63 AND amount <> 64 AND amount <> 65 AND amount <> 66 AND amount <> 67 AND amount <> 68 AND amount <> 69 AND amount <> 70 AND amount <> 71 AND amount <> 72 AND amount <> 73 AND amount <> 74 AND amount <> 75 AND amount <> 76 AND amount <> 77 AND amount <> 78 AND amount <> 79 AND amount <> 80 AND amount <> 81 AND amount <> 82 AND amount <> 83 AND amount <> 84 AND amount <> 85 AND amount <> 86 AND amount <> 87 AND amount <> 88 AND amount <> 89 AND amount <> 90 AND amount <> 91 AND amount <> 92 AND amount <> 93 AND amount <> 94 AND amount <> 95 AND amount <> 96 AND amount <> 97 AND amount <> 98 AND amount <> 99 AND amount <> 100 AND amount <> 101 AND amount <> 102 AND amount <> 103 AND amount <> 104 AND amount <> 105 AND amount <> 106 AND amount <> 107 AND amount <> 108 AND amount <> 109 AND amount <> 110 AND amount <> 111 AND amount <> 112 AND amount <> 113 AND amount <> 114 AND amount <> 115 AND amount <> 116 AND amount <> 117 AND amount <> 118 AND amount <> 119 AND amount <> 120 AND amount <> 121 AND amount <> 122 AND amount <> 123 AND amount <> 124 AND amount <> 125 AND amount <> 126 AND amount <> 127 AND amount <> 128 AND amount <> 129 AND amount <> 130 AND amount <> 131 AND amount <> 132 AND amount <> 133 AND amount <> 134 AND amount <> 135 AND amount <> 136 AND amount <> 137 AND amount <> 138 AND amount <> 139 AND amount <> 140 AND amount <> 141 AND amount <> 142 AND amount <> 143 AND amount <> 144 AND amount <> 145 AND amount <> 146 AND amount <> 147 AND amount <> 148 AND amount <> 149 AND amount <> 150 AND amount <> 151 AND amount <> 152 AND amount <> 153 AND amount <> 154 AND amount <> 155 AND amount <> 156 AND amount <> 157 AND amount <> 158 AND amount <> 159 AND amount <> 160 AND amount <> 161 AND amount <> 162 AND amount <> 163 AND amount <> 164 AND amount <> 165 AND amount <> 166 AND amount <> 167 AND amount <> 168 AND amount <> 169 AND amount <> 170 AND amount <> 171 AND amount <> 172 AND amount <> 173 AND amount <> 174 AND amount <> 175 AND amount <> 176 AND amount <> 177 AND amount <> 178 AND amount <> 179 AND amount <> 180 AND amount <> 181 AND amount <> 182 AND amount <> 183 AND amount <> 184 AND amount <> 185 AND amount <> 186 AND amount <> 187 AND amount <> 188 AND amount <> 189 AND amount <> 190 AND amount <> 191 AND amount <> 192 AND amount <> 193 AND amount <> 194 AND amount <> 195 AND amount <> 196 AND amount <> 197 AND amount <> 198 AND amount <> 199 AND amount <> 200
-- requests:
GET /v1/charges?expand[]=data.refunds&limit=100 SLICED BY created

-- case: a sample is drawn before the WHERE: nothing goes to Stripe
SELECT count(*) FROM charges WHERE customer = 'cus_1' USING SAMPLE 5 ROWS
-- requests:
GET /v1/charges?expand[]=data.refunds&limit=100 SLICED BY created

-- case: a table sample stays on the table: it becomes a derived table
SELECT id FROM charges TABLESAMPLE 5 ROWS WHERE customer = 'cus_1'
-- sql:
SELECT id FROM (SELECT * FROM "__stripe_scan_0" AS charges) AS charges TABLESAMPLE RESERVOIR (5 ROWS) WHERE customer = 'cus_1'
-- requests:
GET /v1/charges?expand[]=data.refunds&limit=100 SLICED BY created

-- case: column aliases and an UNPIVOT on a table stay with its rows
SELECT c.charge_id, k FROM charges AS c(charge_id) UNPIVOT (v FOR k IN (amount, amount_refunded)) WHERE charge_id = 'ch_1'
-- sql:
SELECT c.charge_id, k FROM (SELECT * FROM "__stripe_scan_0" AS charges) AS c(charge_id) UNPIVOT(v FOR k IN (amount, amount_refunded)) WHERE charge_id = 'ch_1'
-- requests:
GET /v1/charges?expand[]=data.refunds&limit=100 SLICED BY created

-- case: a parenthesized join keeps its joins (constants are not carried across it)
SELECT count(*) FROM (charges c JOIN customers u ON u.id = c.customer) WHERE c.customer = 'cus_1'
-- sql:
SELECT COUNT(*) FROM ("__stripe_scan_0" AS c JOIN "__stripe_scan_1" AS u ON u.id = c.customer) WHERE c.customer = 'cus_1'
-- requests:
GET /v1/charges?customer=cus_1&limit=100 SLICED BY created
GET /v1/customers?limit=100 SLICED BY created
