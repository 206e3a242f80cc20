// FHIR search, result fragment: how many resources match (_total=accurate, _summary=count).
RETURN count(n) AS total
