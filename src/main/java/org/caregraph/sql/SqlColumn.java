package org.caregraph.sql;

import java.math.BigDecimal;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A column of a materialized table: its name, its DuckDB type and whether it holds a list. A view column's type
 * comes from its {@code ansi/type} tag when it has one (the spec's way to ask for a SQL type: DATE, TIMESTAMP WITH
 * TIME ZONE...), else from its FHIR type: boolean, integer, decimal as such; every other FHIR type, dates included,
 * as the FHIR text (lossless: a FHIR date may be partial, 1970-06).
 */
public record SqlColumn(String name, Type type, boolean list) {
    /** The DuckDB types a column can have, each with how a view value becomes one. */
    public enum Type {
        VARCHAR, BOOLEAN, INTEGER, BIGINT, DOUBLE, DATE, TIMESTAMP, TIMESTAMPTZ, TIME;

        String ddl() {
            return this == TIMESTAMPTZ ? "TIMESTAMP WITH TIME ZONE" : name();
        }
    }

    private static final Map<String, Type> SQL_NAMES = Map.ofEntries(
            Map.entry("VARCHAR", Type.VARCHAR), Map.entry("CHARACTER VARYING", Type.VARCHAR), Map.entry("TEXT", Type.VARCHAR),
            Map.entry("STRING", Type.VARCHAR), Map.entry("BOOLEAN", Type.BOOLEAN), Map.entry("INTEGER", Type.INTEGER),
            Map.entry("INT", Type.INTEGER), Map.entry("BIGINT", Type.BIGINT), Map.entry("DOUBLE", Type.DOUBLE),
            Map.entry("DOUBLE PRECISION", Type.DOUBLE), Map.entry("DECIMAL", Type.DOUBLE), Map.entry("NUMERIC", Type.DOUBLE),
            Map.entry("DATE", Type.DATE), Map.entry("TIMESTAMP", Type.TIMESTAMP),
            Map.entry("TIMESTAMP WITH TIME ZONE", Type.TIMESTAMPTZ), Map.entry("TIMESTAMPTZ", Type.TIMESTAMPTZ),
            Map.entry("TIME", Type.TIME));

    /** The table column of a view column; an {@code ansi/type} this store cannot hold is refused. */
    static SqlColumn of(ViewDefinition.Column c) {
        String sql = c.tags().get("ansi/type");
        Type type;
        if (sql != null) {
            type = SQL_NAMES.get(sql.strip().replaceAll("\\s+", " ").replaceAll("\\(.*\\)$", "").toUpperCase(Locale.ROOT));
            if (type == null) {
                throw new ViewException("ansi/type '" + sql + "' is not one of " + SQL_NAMES.keySet(), c.element().replace(".path", ".tag"));
            }
        } else {
            type = switch (c.type() == null ? "string" : c.type()) {
                case "boolean" -> Type.BOOLEAN;
                case "integer", "positiveInt", "unsignedInt" -> Type.INTEGER;
                case "integer64" -> Type.BIGINT;
                case "decimal" -> Type.DOUBLE;
                default -> Type.VARCHAR;
            };
        }
        return new SqlColumn(c.name(), type, c.collection());
    }

    String ddl() {
        return quote(name) + " " + sqlType();
    }

    /** The column's SQL type as DuckDB writes it ({@code VARCHAR[]} for a list). */
    public String sqlType() {
        return type.ddl() + (list ? "[]" : "");
    }

    static String quote(String identifier) {
        return "\"" + identifier.replace("\"", "\"\"") + "\"";
    }

    /**
     * A view value (String, Boolean, Integer, BigDecimal, or a List of them) as this column's Java value for DuckDB.
     * Dates and times keep their instant; a partial date (1970-06) is the start of its period, in UTC when it has no
     * offset.
     *
     * @throws ViewException when the value is not of the column's type
     */
    Object convert(Object value, String element) {
        if (value == null) return null;
        if (list) {
            List<Object> out = new ArrayList<>();
            for (Object v : (List<?>) value) out.add(scalar(v, element));
            return out;
        }
        return scalar(value, element);
    }

    private Object scalar(Object v, String element) {
        try {
            return switch (type) {
                case VARCHAR -> v instanceof BigDecimal d ? d.toPlainString() : v.toString();
                case BOOLEAN -> v instanceof Boolean b ? b : bool(v.toString());
                case INTEGER -> v instanceof Integer i ? i : Integer.valueOf(new BigDecimal(v.toString()).intValueExact());
                case BIGINT -> new BigDecimal(v.toString()).longValueExact();
                case DOUBLE -> v instanceof BigDecimal d ? d.doubleValue() : Double.parseDouble(v.toString());
                case DATE -> date(v.toString()).toLocalDate();
                case TIMESTAMP -> date(v.toString()).withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime();
                case TIMESTAMPTZ -> date(v.toString());
                case TIME -> LocalTime.parse(v.toString());
            };
        } catch (RuntimeException e) {
            throw new ViewException("column '" + name + "': '" + v + "' is not a " + type.ddl(), element);
        }
    }

    private static Boolean bool(String s) {
        return switch (s) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException(s);
        };
    }

    /** FHIR date, dateTime and instant: a year, then optional month, day, time, fraction and offset. */
    private static final Pattern FHIR_DATE = Pattern.compile(
            "(\\d{4})(?:-(\\d{2})(?:-(\\d{2})(?:T(\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,9}))?)?(Z|[+-]\\d{2}:\\d{2})?)?)?)?");

    /** A FHIR date, dateTime or instant at the start of its precision; UTC when it names no offset. */
    private static OffsetDateTime date(String text) {
        Matcher m = FHIR_DATE.matcher(text);
        if (!m.matches()) throw new IllegalArgumentException(text);
        String fraction = m.group(7) == null ? "0" : (m.group(7) + "00000000").substring(0, 9);
        ZoneOffset offset = m.group(8) == null ? ZoneOffset.UTC : ZoneOffset.of(m.group(8));
        return OffsetDateTime.of(Integer.parseInt(m.group(1)), number(m.group(2), 1), number(m.group(3), 1),
                number(m.group(4), 0), number(m.group(5), 0), number(m.group(6), 0), Integer.parseInt(fraction), offset);
    }

    private static int number(String group, int absent) {
        return group == null ? absent : Integer.parseInt(group);
    }
}
