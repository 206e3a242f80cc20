package org.caregraph.cypher;

import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neo4j.driver.Value;
import org.neo4j.driver.types.MapAccessor;
import org.neo4j.driver.types.Node;
import org.neo4j.driver.types.Path;
import org.neo4j.driver.types.Point;
import org.neo4j.driver.types.Relationship;
import org.neo4j.driver.types.TypeSystem;

/**
 * Cypher values as plain JSON: nodes, relationships and paths as maps naming their element ids; temporal values as
 * ISO-8601 strings (durations too); points as {@code {srid, x, y[, z]}}; bytes as base64; lists and maps recursively.
 */
final class CypherValues {
    private static final TypeSystem TYPES = TypeSystem.getDefault();

    private CypherValues() {
    }

    static Object json(Value v) {
        if (v == null || v.isNull()) return null;
        if (v.hasType(TYPES.NODE())) return node(v.asNode());
        if (v.hasType(TYPES.RELATIONSHIP())) return relationship(v.asRelationship());
        if (v.hasType(TYPES.PATH())) return path(v.asPath());
        if (v.hasType(TYPES.LIST())) {
            List<Object> out = new ArrayList<>(v.size());
            for (Value item : v.values()) out.add(json(item));
            return out;
        }
        if (v.hasType(TYPES.MAP())) return map(v);
        if (v.hasType(TYPES.STRING()) || v.hasType(TYPES.BOOLEAN()) || v.hasType(TYPES.INTEGER())) return v.asObject();
        if (v.hasType(TYPES.FLOAT())) {
            // JSON has no NaN or infinities.
            double d = v.asDouble();
            return Double.isFinite(d) ? d : Double.toString(d);
        }
        if (v.hasType(TYPES.DATE())) return v.asLocalDate().toString();
        if (v.hasType(TYPES.LOCAL_TIME())) return DateTimeFormatter.ISO_LOCAL_TIME.format(v.asLocalTime());
        if (v.hasType(TYPES.TIME())) return DateTimeFormatter.ISO_OFFSET_TIME.format(v.asOffsetTime());
        if (v.hasType(TYPES.LOCAL_DATE_TIME())) return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(v.asLocalDateTime());
        if (v.hasType(TYPES.DATE_TIME())) return DateTimeFormatter.ISO_DATE_TIME.format(v.asZonedDateTime());
        if (v.hasType(TYPES.DURATION())) return v.asIsoDuration().toString();
        if (v.hasType(TYPES.POINT())) return point(v.asPoint());
        if (v.hasType(TYPES.BYTES())) return Base64.getEncoder().encodeToString(v.asByteArray());
        return v.toString();
    }

    /** A map value, or the properties of a node or relationship. */
    private static Map<String, Object> map(MapAccessor m) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String key : m.keys()) out.put(key, json(m.get(key)));
        return out;
    }

    private static Map<String, Object> node(Node n) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("elementId", n.elementId());
        List<String> labels = new ArrayList<>();
        n.labels().forEach(labels::add);
        out.put("labels", labels);
        out.put("properties", map(n));
        return out;
    }

    private static Map<String, Object> relationship(Relationship r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("elementId", r.elementId());
        out.put("type", r.type());
        out.put("startElementId", r.startNodeElementId());
        out.put("endElementId", r.endNodeElementId());
        out.put("properties", map(r));
        return out;
    }

    private static Map<String, Object> path(Path p) {
        List<Object> nodes = new ArrayList<>();
        p.nodes().forEach(n -> nodes.add(node(n)));
        List<Object> relationships = new ArrayList<>();
        p.relationships().forEach(r -> relationships.add(relationship(r)));
        return Map.of("nodes", nodes, "relationships", relationships);
    }

    private static Map<String, Object> point(Point p) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("srid", p.srid());
        out.put("x", p.x());
        out.put("y", p.y());
        if (!Double.isNaN(p.z())) out.put("z", p.z());
        return out;
    }
}
