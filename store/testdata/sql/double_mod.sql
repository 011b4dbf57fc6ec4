-- request: Conversations?$filter=csat mod 2 eq 1.5&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND (mod(t2."csat", ?) = ?) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(2)
--   ?6 = float64(1.5)
--   ?7 = int64(51)
--   ?8 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (mod(t1."csat", ?) = ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(2)
--   ?4 = float64(1.5)
