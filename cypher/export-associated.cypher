// Bulk export, includeAssociatedData: after export-current bound the exported resources n, the Provenance resources
// whose Provenance.target is one of them (current, at or before $until, within $access): at most $perResource
// per resource, the most recent first (by Provenance.recorded, its search value sp.recorded.lo in epoch ms, then by
// last update): 1 for LatestProvenanceResources. Rebinds n to the Provenance, each once per query; composed as "START+export-current+export-associated+export-return".
CALL (n) {
  MATCH (n)<-[r]-(prov:Provenance)
  WHERE r.path = 'Provenance.target' AND prov.placeholder IS NULL AND prov.deleted IS NULL
    AND datetime(prov.lastUpdated) <= datetime($until)
  RETURN prov ORDER BY coalesce(prov.`sp.recorded.lo`[0], -1) DESC, datetime(prov.lastUpdated) DESC
  LIMIT $perResource
}
WITH DISTINCT prov AS n
// @include security/visible
