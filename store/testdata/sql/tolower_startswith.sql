-- request: Chats?$filter=startswith(tolower(customerFirstName),'an')&$select=id,customerFirstName
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."customerFirstName" AS c1, t1."rid" AS c2 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."mediaType" IN (?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."mediaType" IN (?) AND (t2."customerFirstName" LIKE ? ESCAPE ?) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c2
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "chat"
--   ?4 = "contoso"
--   ?5 = "fabrikam"
--   ?6 = "chat"
--   ?7 = "an%"
--   ?8 = "\\"
--   ?9 = int64(51)
--   ?10 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."mediaType" IN (?) AND (t1."customerFirstName" LIKE ? ESCAPE ?)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "chat"
--   ?4 = "an%"
--   ?5 = "\\"
