-- request: Customers?$filter=lastName eq 'O''Neil'&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Customers" AS t1 WHERE t1."tenantId" IN (?, ?) AND (t1."lastName" = ?) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "O'Neil"
--   ?4 = int64(51)
--   ?5 = int64(0)

-- count
SELECT COUNT(*) FROM "Customers" AS t1 WHERE t1."tenantId" IN (?, ?) AND (t1."lastName" = ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "O'Neil"
