-- request: Conversations?$filter=Workitems/any(w:w/result eq 'Handled')&$select=id
-- tenants: contoso, fabrikam; business units: contoso:demo:bu-1

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."businessUnitId" IN (?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."businessUnitId" IN (?) AND (EXISTS (SELECT 1 FROM "Workitems" AS t3 WHERE t3."tenantId" IN (?, ?) AND t3."businessUnitId" IN (?) AND t3."primaryConversationId" = t2."id" AND (t3."result" = ?))) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso:demo:bu-1"
--   ?4 = "contoso"
--   ?5 = "fabrikam"
--   ?6 = "contoso:demo:bu-1"
--   ?7 = "contoso"
--   ?8 = "fabrikam"
--   ?9 = "contoso:demo:bu-1"
--   ?10 = "Handled"
--   ?11 = int64(51)
--   ?12 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."businessUnitId" IN (?) AND (EXISTS (SELECT 1 FROM "Workitems" AS t2 WHERE t2."tenantId" IN (?, ?) AND t2."businessUnitId" IN (?) AND t2."primaryConversationId" = t1."id" AND (t2."result" = ?)))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso:demo:bu-1"
--   ?4 = "contoso"
--   ?5 = "fabrikam"
--   ?6 = "contoso:demo:bu-1"
--   ?7 = "Handled"
