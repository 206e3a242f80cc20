// FHIR search, planning: at most how many resources a concept start (search/anchor-concept, search/anchor-code)
// yields — the CODED degree of its Concepts, read from each node without expanding it. A page of a search whose code
// has thousands of uses is cheaper read by search/scan-by-key. $anchorKeys (['system|code']), $anchorCodes (['code']);
// one of them may be empty.
MATCH (k:Concept)
WHERE k.key IN $anchorKeys OR k.code IN $anchorCodes
RETURN sum(COUNT { (k)<-[:CODED]-() }) AS candidates
