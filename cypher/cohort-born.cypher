// Cohorts (age): the patients born within [$earliest, $latest] (ISO dates, inclusive; $earliest null: unbounded).
// Returns key (Patient key). A Patient's time is its birthDate.
MATCH (p:Patient)
WHERE p.placeholder IS NULL AND p.deleted IS NULL AND p.time IS NOT NULL
  AND date(p.time) <= date($latest)
  AND ($earliest IS NULL OR date(p.time) >= date($earliest))
RETURN p.key AS key
