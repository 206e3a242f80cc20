// Clinical events by key, in the order given: the node's facts, the event's own concepts (codings at $paths, the
// EventType code paths) and the encounter it names. $keys ['Type/id', ...], $paths [FHIRPath, ...].
UNWIND $keys AS key
MATCH (e:Resource {key: key})
WHERE e.placeholder IS NULL
RETURN e.key AS key, e.id AS id, e.resourceType AS resourceType, e.time AS time, e.end AS end, e.status AS status,
       e.valueKeys AS valueKeys, e.valueNumbers AS valueNumbers, e.valueUnits AS valueUnits,
       COLLECT {
         MATCH (e)-[c:CODED]->(k:Concept) WHERE c.path IN $paths
         RETURN k {.key, .system, .code, .display}
       } AS concepts,
       COLLECT { MATCH (e)-[:ENCOUNTER]->(enc:Encounter) RETURN enc.key }[0] AS encounter
