// Access filter fragment (included where a query binds the resource n): keeps the resources the caller may see, as
// org.caregraph.security.AccessContext describes it in $access. $access.all: no restriction. Otherwise
// $access.rules[type] (or rules['*']) must exist for n's type (the caller may read or search it), and
//   - rule.patients (null: any): n lies in one of these patients' compartments — n.compartments, the patients the
//     writer found n's compartment references to point at (a Patient's own key too) — unless n's type has no Patient
//     compartment ($access.compartmentTypes); a compartment type stored without compartments is no one's;
//   - rule.categories (null: any): one of n's category tokens (sp.category, 'system|code') is allowed ('system|code',
//     or a bare code).
WITH *
WHERE $access.all OR any(rule IN [coalesce($access.rules[n.resourceType], $access.rules['*'])] WHERE rule IS NOT NULL
  AND (rule.patients IS NULL OR NOT n.resourceType IN $access.compartmentTypes
       OR any(p IN coalesce(n.compartments, []) WHERE p IN rule.patients))
  AND (rule.categories IS NULL OR any(c IN coalesce(n.`sp.category`, []) WHERE c IN rule.categories
       OR any(v IN rule.categories WHERE NOT v CONTAINS '|' AND c ENDS WITH '|' + v))))
