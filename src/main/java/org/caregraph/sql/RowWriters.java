package org.caregraph.sql;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * Rows as JSON (an array of objects), NDJSON (an object a line) or CSV (RFC 4180, a header line unless asked not
 * to; a list value as its JSON), from a SQL result or from a view's rows alike.
 */
final class RowWriters {
    private static final ObjectMapper JSON = new ObjectMapper();

    private RowWriters() {
    }

    /** Named columns and a cursor over rows whose values are JSON-ready (String, Boolean, numbers, lists, maps). */
    interface Source {
        List<String> columns();

        /** The next row's values, null at the end. */
        Object[] next() throws SQLException;
    }

    static Source of(ResultSet rs) throws SQLException {
        List<String> columns = SqlQueries.columns(rs.getMetaData());
        return new Source() {
            @Override
            public List<String> columns() {
                return columns;
            }

            @Override
            public Object[] next() throws SQLException {
                if (!rs.next()) return null;
                Object[] row = new Object[columns.size()];
                for (int i = 0; i < row.length; i++) row[i] = SqlQueries.json(rs.getObject(i + 1));
                return row;
            }
        };
    }

    static Source of(List<String> columns, Iterator<Object[]> rows) {
        return new Source() {
            @Override
            public List<String> columns() {
                return columns;
            }

            @Override
            public Object[] next() {
                return rows.hasNext() ? rows.next() : null;
            }
        };
    }

    /** At most {@code limit} rows of {@code source} to {@code out} in {@code format} (not Parquet); the count written. */
    static long write(Source source, long limit, SqlQueries.Format format, boolean header, OutputStream out) throws SQLException {
        try {
            return switch (format) {
                case JSON, NDJSON -> json(source, limit, format == SqlQueries.Format.NDJSON, out);
                case CSV -> csv(source, limit, header, out);
                case PARQUET -> throw new IllegalArgumentException("Parquet is written by DuckDB");
            };
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static long json(Source source, long limit, boolean lines, OutputStream out) throws SQLException, IOException {
        List<String> columns = source.columns();
        long n = 0;
        try (JsonGenerator g = JSON.getFactory().createGenerator(nonClosing(out), JsonEncoding.UTF8)) {
            g.setRootValueSeparator(null);
            if (!lines) g.writeStartArray();
            Object[] values;
            while (n < limit && (values = source.next()) != null) {
                Map<String, Object> row = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) row.put(columns.get(i), values[i]);
                JSON.writeValue(g, row);
                if (lines) g.writeRaw('\n');
                n++;
            }
            if (!lines) g.writeEndArray();
        }
        return n;
    }

    private static long csv(Source source, long limit, boolean header, OutputStream out) throws SQLException, IOException {
        List<String> columns = source.columns();
        long n = 0;
        Writer w = new OutputStreamWriter(nonClosing(out), StandardCharsets.UTF_8);
        CSVFormat format = header ? CSVFormat.DEFAULT.builder().setHeader(columns.toArray(String[]::new)).get() : CSVFormat.DEFAULT;
        try (CSVPrinter printer = new CSVPrinter(w, format)) {
            Object[] values;
            while (n < limit && (values = source.next()) != null) {
                Object[] cells = new Object[values.length];
                for (int i = 0; i < values.length; i++) {
                    Object v = values[i];
                    cells[i] = v instanceof List<?> || v instanceof Map<?, ?> ? JSON.writeValueAsString(v) : v;
                }
                printer.printRecord(cells);
                n++;
            }
        }
        return n;
    }

    /** The writers close what they wrap; the caller's stream stays open. */
    private static OutputStream nonClosing(OutputStream out) {
        return new FilterOutputStream(out) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                flush();
            }
        };
    }
}
