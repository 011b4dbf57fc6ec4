-- request: Conversations?$filter=not (csat ge 4 and (isOutbound or afterHours eq false))&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND (NOT COALESCE(((t2."csat" >= ?) AND (t2."isOutbound" OR (t2."afterHours" = ?))), 0)) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = int64(4)
--   ?6 = int64(0)
--   ?7 = int64(51)
--   ?8 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (NOT COALESCE(((t1."csat" >= ?) AND (t1."isOutbound" OR (t1."afterHours" = ?))), 0))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = int64(4)
--   ?4 = int64(0)
