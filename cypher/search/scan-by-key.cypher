// FHIR search, start fragment for one page without _sort when the search's code is common: the type's resources in
// key order through the key index, from the page cursor on, at most $scanLimit of them. search/filter then checks every
// condition on the node's stored values (the code's too) and search/page-by-key takes the page. A code on 10% of the
// type's resources fills a page of 50 after ~500 reads, where starting at the code reads and sorts all of its uses.
// $after: the cursor of the previous page (its last element is the key) or null; $scanFrom, $scanTo: the type's key
// range ('Condition/', 'Condition0': ids have no '/').
MATCH (n:Resource)
WHERE n.key > coalesce($after[3], $scanFrom) AND n.key < $scanTo
WITH n
ORDER BY n.key
LIMIT $scanLimit
WITH n
WHERE n.resourceType = $type AND n.placeholder IS NULL AND n.deleted IS NULL
// @include security/visible
