// Bulk export filter, after a start fragment (export-type, export-compartment, export-group, export-keys,
// export-provenance-compartment) bound n: current resources only (no placeholder, not deleted), last updated at or
// after $since (null: any; at, not only after, so that a client passing the previous transactionTime misses nothing)
// and at or before $until (the export's transactionTime: what changed after it is left out), within $access.
WITH n
WHERE n.placeholder IS NULL AND n.deleted IS NULL
  AND ($since IS NULL OR datetime(n.lastUpdated) >= datetime($since))
  AND datetime(n.lastUpdated) <= datetime($until)
// @include security/visible
