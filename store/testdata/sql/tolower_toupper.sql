-- request: Conversations?$filter=tolower(customerFirstName) eq 'zoë' or toupper(customerLastName) eq 'MÜLLER'&$select=id
-- tenants: contoso, fabrikam

-- page: limit 50, after (first page)
SELECT t1."id" AS c0, t1."rid" AS c1 FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND t1."rid" IN (SELECT t2."rid" AS r FROM "Conversations" AS t2 WHERE t2."tenantId" IN (?, ?) AND (((CASE WHEN length(t2."customerFirstName") < octet_length(t2."customerFirstName") THEN ccfeed_lower(t2."customerFirstName") ELSE lower(t2."customerFirstName") END) = ?) OR ((CASE WHEN length(t2."customerLastName") < octet_length(t2."customerLastName") THEN ccfeed_upper(t2."customerLastName") ELSE upper(t2."customerLastName") END) = ?)) ORDER BY t2."rid" LIMIT ? OFFSET ?) ORDER BY c1
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "contoso"
--   ?4 = "fabrikam"
--   ?5 = "zoë"
--   ?6 = "MÜLLER"
--   ?7 = int64(51)
--   ?8 = int64(0)

-- count
SELECT COUNT(*) FROM "Conversations" AS t1 WHERE t1."tenantId" IN (?, ?) AND (((CASE WHEN length(t1."customerFirstName") < octet_length(t1."customerFirstName") THEN ccfeed_lower(t1."customerFirstName") ELSE lower(t1."customerFirstName") END) = ?) OR ((CASE WHEN length(t1."customerLastName") < octet_length(t1."customerLastName") THEN ccfeed_upper(t1."customerLastName") ELSE upper(t1."customerLastName") END) = ?))
--   ?1 = "contoso"
--   ?2 = "fabrikam"
--   ?3 = "zoë"
--   ?4 = "MÜLLER"
