-- request: Conversations?$filter=tolower(customerFirstName) eq 'zoë' or toupper(customerLastName) eq 'MÜLLER'&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."tenantId" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (((CASE WHEN t1."customerFirstName" GLOB ? THEN ccfeed_lower(t1."customerFirstName") ELSE lower(t1."customerFirstName") END) = ?) OR ((CASE WHEN t1."customerLastName" GLOB ? THEN ccfeed_upper(t1."customerLastName") ELSE upper(t1."customerLastName") END) = ?)) ORDER BY c1, c0 LIMIT ? OFFSET ?
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "*[^ -~]*"
--   ?4 = "zoë"
--   ?5 = "*[^ -~]*"
--   ?6 = "MÜLLER"
--   ?7 = int64(51)
--   ?8 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (((CASE WHEN t1."customerFirstName" GLOB ? THEN ccfeed_lower(t1."customerFirstName") ELSE lower(t1."customerFirstName") END) = ?) OR ((CASE WHEN t1."customerLastName" GLOB ? THEN ccfeed_upper(t1."customerLastName") ELSE upper(t1."customerLastName") END) = ?))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "*[^ -~]*"
--   ?4 = "zoë"
--   ?5 = "*[^ -~]*"
--   ?6 = "MÜLLER"
