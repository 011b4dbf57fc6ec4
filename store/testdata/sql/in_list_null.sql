-- request: Conversations?$filter=conversationEndedReason in ('Abandoned',null)&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (t1."conversationEndedReason" IN (?) OR t1."conversationEndedReason" IS NULL) ORDER BY c1 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "Abandoned"
--   ?4 = int64(51)
--   ?5 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (t1."conversationEndedReason" IN (?) OR t1."conversationEndedReason" IS NULL)
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "Abandoned"
