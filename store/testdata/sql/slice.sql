-- request: Calls?$filter=holdCount gt 1&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."mediaType" IN (?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."mediaType" IN (?) AND (t2."holdCount" > ?) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "voice"
--   ?4 = "contoso"
--   ?5 = "fabrikam"
--   ?6 = "voice"
--   ?7 = int64(1)
--   ?8 = int64(51)
--   ?9 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."mediaType" IN (?) AND (t1."holdCount" > ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "voice"
--   ?4 = int64(1)
