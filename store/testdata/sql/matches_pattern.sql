-- request: Conversations?$filter=matchesPattern(customerFirstName,'^Z.*ë$')&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ccfeed_regexp(?, t1."customerFirstName") ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "^Z.*ë$"
--   ?4 = int64(51)
--   ?5 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ccfeed_regexp(?, t1."customerFirstName")
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "^Z.*ë$"
