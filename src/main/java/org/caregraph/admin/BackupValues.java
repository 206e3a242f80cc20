package org.caregraph.admin;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetTime;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.neo4j.driver.types.IsoDuration;
import org.neo4j.driver.types.Point;
import org.neo4j.driver.types.TypeSystem;

/**
 * Property values in a backup, losslessly: strings, booleans, integers and floats are JSON's own (an integer is written
 * without a decimal point, a float with one, so each comes back as the type it was); lists are arrays; what JSON lacks
 * (temporal values, durations, points, byte arrays, non-finite floats) is an object with one {@code $type} tag, which
 * cannot be mistaken for a property value since Neo4j properties are never maps.
 */
final class BackupValues {
    private static final TypeSystem TYPES = TypeSystem.getDefault();

    private BackupValues() {
    }

    /** A map of properties (node or relationship) as a JSON object. */
    static void writeProperties(JsonGenerator g, Value props) throws IOException {
        g.writeStartObject();
        for (String k : props.keys()) {
            g.writeFieldName(k);
            write(g, props.get(k));
        }
        g.writeEndObject();
    }

    static void write(JsonGenerator g, Value v) throws IOException {
        if (v.isNull()) {
            g.writeNull();
        } else if (v.hasType(TYPES.STRING())) {
            g.writeString(v.asString());
        } else if (v.hasType(TYPES.BOOLEAN())) {
            g.writeBoolean(v.asBoolean());
        } else if (v.hasType(TYPES.INTEGER())) {
            g.writeNumber(v.asLong());
        } else if (v.hasType(TYPES.FLOAT())) {
            double d = v.asDouble();
            if (Double.isFinite(d)) g.writeNumber(d);
            else tagged(g, "float", Double.toString(d));
        } else if (v.hasType(TYPES.LIST())) {
            g.writeStartArray();
            for (Value item : v.values()) write(g, item);
            g.writeEndArray();
        } else if (v.hasType(TYPES.BYTES())) {
            tagged(g, "bytes", Base64.getEncoder().encodeToString(v.asByteArray()));
        } else if (v.hasType(TYPES.DATE())) {
            tagged(g, "date", v.asLocalDate().toString());
        } else if (v.hasType(TYPES.TIME())) {
            tagged(g, "time", v.asOffsetTime().toString());
        } else if (v.hasType(TYPES.LOCAL_TIME())) {
            tagged(g, "localtime", v.asLocalTime().toString());
        } else if (v.hasType(TYPES.DATE_TIME())) {
            tagged(g, "datetime", v.asZonedDateTime().toString());
        } else if (v.hasType(TYPES.LOCAL_DATE_TIME())) {
            tagged(g, "localdatetime", v.asLocalDateTime().toString());
        } else if (v.hasType(TYPES.DURATION())) {
            IsoDuration d = v.asIsoDuration();
            g.writeStartObject();
            g.writeStringField("$type", "duration");
            g.writeNumberField("months", d.months());
            g.writeNumberField("days", d.days());
            g.writeNumberField("seconds", d.seconds());
            g.writeNumberField("nanoseconds", d.nanoseconds());
            g.writeEndObject();
        } else if (v.hasType(TYPES.POINT())) {
            Point p = v.asPoint();
            g.writeStartObject();
            g.writeStringField("$type", "point");
            g.writeNumberField("srid", p.srid());
            g.writeNumberField("x", p.x());
            g.writeNumberField("y", p.y());
            if (!Double.isNaN(p.z())) g.writeNumberField("z", p.z());
            g.writeEndObject();
        } else {
            // maps, nodes, paths are no property values: a query returning one here is a defect
            throw new IllegalArgumentException("not a property value: " + v.type().name());
        }
    }

    private static void tagged(JsonGenerator g, String type, String value) throws IOException {
        g.writeStartObject();
        g.writeStringField("$type", type);
        g.writeStringField("value", value);
        g.writeEndObject();
    }

    /** A JSON object of properties back as driver parameter values. */
    static Map<String, Object> properties(JsonNode object) {
        Map<String, Object> out = new LinkedHashMap<>();
        object.fields().forEachRemaining(f -> out.put(f.getKey(), read(f.getValue())));
        return out;
    }

    static Object read(JsonNode n) {
        if (n.isNull()) return null;
        if (n.isTextual()) return n.asText();
        if (n.isBoolean()) return n.asBoolean();
        if (n.isIntegralNumber()) return n.asLong();
        if (n.isFloatingPointNumber()) return n.asDouble();
        if (n.isArray()) {
            List<Object> out = new ArrayList<>(n.size());
            for (JsonNode item : n) out.add(read(item));
            return out;
        }
        String type = n.path("$type").asText("");
        String value = n.path("value").asText();
        return switch (type) {
            case "float" -> Double.parseDouble(value);
            case "bytes" -> Base64.getDecoder().decode(value);
            case "date" -> LocalDate.parse(value);
            case "time" -> OffsetTime.parse(value);
            case "localtime" -> LocalTime.parse(value);
            case "datetime" -> ZonedDateTime.parse(value);
            case "localdatetime" -> LocalDateTime.parse(value);
            case "duration" -> Values.isoDuration(n.get("months").asLong(), n.get("days").asLong(), n.get("seconds").asLong(),
                    n.get("nanoseconds").asInt());
            case "point" -> n.has("z")
                    ? Values.point(n.get("srid").asInt(), n.get("x").asDouble(), n.get("y").asDouble(), n.get("z").asDouble())
                    : Values.point(n.get("srid").asInt(), n.get("x").asDouble(), n.get("y").asDouble());
            default -> throw new IllegalArgumentException("unknown value in backup: " + n);
        };
    }
}
