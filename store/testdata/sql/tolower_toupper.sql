-- request: Conversations?$filter=tolower(customerFirstName) eq 'zoë' or toupper(customerLastName) eq 'MÜLLER'&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."tenantId" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((ccfeed_lower(t1."customerFirstName") = ?) OR (ccfeed_upper(t1."customerLastName") = ?)) ORDER BY c1, c0 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "zoë"
--   ?4 = "MÜLLER"
--   ?5 = int64(51)
--   ?6 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND ((ccfeed_lower(t1."customerFirstName") = ?) OR (ccfeed_upper(t1."customerLastName") = ?))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "zoë"
--   ?4 = "MÜLLER"
