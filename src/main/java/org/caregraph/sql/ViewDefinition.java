package org.caregraph.sql;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.fhirpath.ExpressionNode;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Resource;

/**
 * A SQL on FHIR v2 ViewDefinition, checked and compiled: {@link #compile} refuses what the spec does not allow, naming
 * the element; {@link #rows} turns one resource into its rows, following the spec's processing algorithm
 * ({@code select} / {@code column} / {@code forEach} / {@code forEachOrNull} / {@code repeat} / {@code unionAll} /
 * {@code where} / {@code constant}, {@code %rowIndex}). Immutable and thread-safe.
 */
public final class ViewDefinition {
    /** SQL-safe column names, as the spec asks of {@code column.name}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");
    private static final Set<String> VIEW_KEYS = Set.of("resourceType", "id", "meta", "implicitRules", "language",
            "text", "contained", "extension", "modifierExtension", "url", "identifier", "name", "title", "status",
            "experimental", "publisher", "contact", "description", "useContext", "copyright", "resource", "fhirVersion",
            "constant", "select", "where");
    private static final Set<String> SELECT_KEYS = Set.of("id", "extension", "modifierExtension", "column", "select",
            "forEach", "forEachOrNull", "repeat", "unionAll");
    private static final Set<String> COLUMN_KEYS = Set.of("id", "extension", "modifierExtension", "name", "path",
            "description", "collection", "type", "tag");
    private static final Set<String> WHERE_KEYS = Set.of("id", "extension", "modifierExtension", "path", "description");

    /**
     * An output column.
     *
     * @param type       the FHIR type the view declares ({@code string}, {@code dateTime}...), null when none
     * @param tags       the column's {@code tag} name → value ({@code ansi/type} gives a SQL type)
     */
    public record Column(String name, String type, boolean collection, String description, Map<String, String> tags,
                         ExpressionNode path, String element) {
    }

    /**
     * A selection: its own columns (each with its index in {@link #columns()}: a later unionAll branch fills the first
     * branch's columns with its own paths), nested selects, unionAll branches, and every column index it fills.
     */
    private record Select(List<Column> columns, int[] indices, ExpressionNode iterate, String iterateElement, boolean orNull,
                          List<ExpressionNode> repeat, List<Select> selects, List<Select> unionAll, int[] owned) {
    }

    private final String name;
    private final String resource;
    private final List<Column> columns;
    private final Map<String, List<Base>> constants;
    private final List<ExpressionNode> where;
    private final Select root;
    private final ViewPaths paths;

    private ViewDefinition(String name, String resource, List<Column> columns, Map<String, List<Base>> constants,
                           List<ExpressionNode> where, Select root, ViewPaths paths) {
        this.name = name;
        this.resource = resource;
        this.columns = columns;
        this.constants = constants;
        this.where = where;
        this.root = root;
        this.paths = paths;
    }

    /** The view's {@code name} (null when it has none). */
    public String name() {
        return name;
    }

    /** The resource type it reads. */
    public String resource() {
        return resource;
    }

    public List<Column> columns() {
        return columns;
    }

    /**
     * Checks and compiles {@code view} (a ViewDefinition as JSON).
     *
     * @throws ViewException naming the first element that is wrong
     */
    static ViewDefinition compile(JsonNode view, ViewPaths paths) {
        if (view == null || !view.isObject()) throw new ViewException("a ViewDefinition must be a JSON object", "ViewDefinition");
        known(view, VIEW_KEYS, "ViewDefinition");
        JsonNode type = view.get("resourceType");
        if (type != null && !"ViewDefinition".equals(type.asText())) {
            throw new ViewException("resourceType must be ViewDefinition, not '" + type.asText() + "'", "ViewDefinition.resourceType");
        }
        String resource = text(view, "resource", "ViewDefinition.resource", true);
        if (!paths.isResourceType(resource)) {
            throw new ViewException("'" + resource + "' is not a FHIR R4 resource type", "ViewDefinition.resource");
        }
        String name = text(view, "name", "ViewDefinition.name", false);
        Map<String, List<Base>> constants = constants(view.get("constant"), paths);
        List<ExpressionNode> where = new ArrayList<>();
        JsonNode whereNode = view.get("where");
        if (whereNode != null) {
            int i = 0;
            for (JsonNode w : array(whereNode, "ViewDefinition.where")) {
                String at = "ViewDefinition.where[" + i++ + "]";
                known(w, WHERE_KEYS, at);
                where.add(paths.parse(text(w, "path", at + ".path", true), at + ".path"));
            }
        }
        JsonNode select = view.get("select");
        if (select == null || !select.isArray() || select.isEmpty()) {
            throw new ViewException("a ViewDefinition needs at least one select", "ViewDefinition.select");
        }
        Compiler compiler = new Compiler(paths);
        Select root = compiler.children(select, "ViewDefinition.select");
        return new ViewDefinition(name, resource, List.copyOf(compiler.columns), constants, List.copyOf(where), root, paths);
    }

    /** Builds the column list while walking the selects; unionAll branches share their columns by name and order. */
    private static final class Compiler {
        final ViewPaths paths;
        final List<Column> columns = new ArrayList<>();
        final Map<String, Integer> byName = new HashMap<>();
        /** Columns a unionAll branch being compiled may name again: those of its union's first branch. */
        Set<Integer> reusable = Set.of();

        Compiler(ViewPaths paths) {
            this.paths = paths;
        }

        /** A select list as one selection without columns of its own, whose nested selects are the list. */
        Select children(JsonNode list, String at) {
            List<Select> selects = new ArrayList<>();
            int i = 0;
            for (JsonNode s : array(list, at)) selects.add(select(s, at + "[" + i++ + "]", null));
            return new Select(List.of(), new int[0], null, null, false, List.of(), selects, List.of(),
                    owned(List.of(), selects, List.of()));
        }

        /** @param shared for a unionAll branch after the first: the first branch's column indices, to match */
        Select select(JsonNode s, String at, List<Integer> shared) {
            if (!s.isObject()) throw new ViewException("a select must be an object", at);
            known(s, SELECT_KEYS, at);
            int iterators = (s.has("forEach") ? 1 : 0) + (s.has("forEachOrNull") ? 1 : 0) + (s.has("repeat") ? 1 : 0);
            if (iterators > 1) throw new ViewException("only one of forEach, forEachOrNull and repeat is allowed", at);
            ExpressionNode iterate = null;
            String iterateAt = null;
            boolean orNull = s.has("forEachOrNull");
            if (s.has("forEach") || orNull) {
                String key = orNull ? "forEachOrNull" : "forEach";
                iterateAt = at + "." + key;
                iterate = paths.parse(text(s, key, iterateAt, true), iterateAt);
            }
            List<ExpressionNode> repeat = new ArrayList<>();
            if (s.has("repeat")) {
                int i = 0;
                for (JsonNode r : array(s.get("repeat"), at + ".repeat")) {
                    String rat = at + ".repeat[" + i++ + "]";
                    if (!r.isTextual()) throw new ViewException("repeat paths must be strings", rat);
                    repeat.add(paths.parse(r.asText(), rat));
                }
                if (repeat.isEmpty()) throw new ViewException("repeat needs at least one path", at + ".repeat");
                iterateAt = at + ".repeat";
            }
            List<Integer> own = new ArrayList<>();
            List<Column> ownColumns = new ArrayList<>();
            if (s.has("column")) {
                int i = 0;
                for (JsonNode c : array(s.get("column"), at + ".column")) {
                    Column column = column(c, at + ".column[" + i++ + "]");
                    ownColumns.add(column);
                    own.add(index(column));
                }
            }
            List<Select> selects = new ArrayList<>();
            if (s.has("select")) {
                int i = 0;
                for (JsonNode n : array(s.get("select"), at + ".select")) selects.add(select(n, at + ".select[" + i++ + "]", null));
            }
            List<Select> union = new ArrayList<>();
            if (s.has("unionAll")) {
                int i = 0;
                List<Integer> first = null;
                for (JsonNode n : array(s.get("unionAll"), at + ".unionAll")) {
                    String uat = at + ".unionAll[" + i++ + "]";
                    if (first == null) {
                        union.add(select(n, uat, null));
                        first = indices(union.getFirst().owned());
                        continue;
                    }
                    // the later branches fill the first branch's columns
                    Set<Integer> saved = reusable;
                    reusable = new java.util.HashSet<>(saved);
                    reusable.addAll(first);
                    try {
                        union.add(select(n, uat, first));
                    } finally {
                        reusable = saved;
                    }
                }
            }
            if (own.isEmpty() && selects.isEmpty() && union.isEmpty()) {
                throw new ViewException("a select needs a column, a select or a unionAll", at);
            }
            Select out = new Select(List.copyOf(ownColumns), own.stream().mapToInt(Integer::intValue).toArray(), iterate, iterateAt, orNull, List.copyOf(repeat), List.copyOf(selects),
                    List.copyOf(union), owned(own, selects, union));
            if (shared != null) {
                if (!indices(out.owned()).equals(shared)) {
                    throw new ViewException("every unionAll branch must have the same columns in the same order ("
                            + names(shared) + ")", at);
                }
            }
            return out;
        }

        Column column(JsonNode c, String at) {
            if (!c.isObject()) throw new ViewException("a column must be an object", at);
            known(c, COLUMN_KEYS, at);
            String name = text(c, "name", at + ".name", true);
            if (!NAME.matcher(name).matches()) {
                throw new ViewException("column name '" + name + "' is not a plain SQL name ([A-Za-z][A-Za-z0-9_]*)", at + ".name");
            }
            String path = text(c, "path", at + ".path", true);
            String type = text(c, "type", at + ".type", false);
            JsonNode coll = c.get("collection");
            if (coll != null && !coll.isBoolean()) throw new ViewException("collection must be true or false", at + ".collection");
            Map<String, String> tags = new LinkedHashMap<>();
            if (c.has("tag")) {
                int i = 0;
                for (JsonNode t : array(c.get("tag"), at + ".tag")) {
                    String tat = at + ".tag[" + i++ + "]";
                    tags.put(text(t, "name", tat + ".name", true), text(t, "value", tat + ".value", true));
                }
            }
            return new Column(name, type, coll != null && coll.asBoolean(),
                    text(c, "description", at + ".description", false), Map.copyOf(tags), paths.parse(path, at + ".path"), at + ".path");
        }

        /** The column's index in the view; a unionAll branch after the first fills the first branch's columns by name. */
        int index(Column column) {
            Integer existing = byName.get(column.name());
            if (existing != null) {
                if (!reusable.contains(existing)) {
                    throw new ViewException("column name '" + column.name() + "' is used twice", column.element().replace(".path", ".name"));
                }
                return existing;
            }
            byName.put(column.name(), columns.size());
            columns.add(column);
            return columns.size() - 1;
        }

        private String names(List<Integer> indices) {
            return String.join(", ", indices.stream().map(i -> columns.get(i).name()).toList());
        }

        private static List<Integer> indices(int[] owned) {
            return java.util.Arrays.stream(owned).boxed().toList();
        }

        private static int[] owned(List<Integer> own, List<Select> selects, List<Select> union) {
            List<Integer> all = new ArrayList<>(own);
            for (Select s : selects) for (int i : s.owned()) all.add(i);
            if (!union.isEmpty()) for (int i : union.getFirst().owned()) all.add(i);
            return all.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static Map<String, List<Base>> constants(JsonNode list, ViewPaths paths) {
        if (list == null) return Map.of();
        Map<String, List<Base>> out = new HashMap<>();
        int i = 0;
        for (JsonNode c : array(list, "ViewDefinition.constant")) {
            String at = "ViewDefinition.constant[" + i++ + "]";
            String name = text(c, "name", at + ".name", true);
            Base value = null;
            for (Iterator<Map.Entry<String, JsonNode>> it = c.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                if (f.getKey().equals("name")) continue;
                if (!f.getKey().startsWith("value") || value != null) {
                    throw new ViewException("a constant has a name and one value[x]; '" + f.getKey() + "' is not allowed", at + "." + f.getKey());
                }
                String type = Character.toLowerCase(f.getKey().charAt(5)) + f.getKey().substring(6);
                if (!f.getValue().isValueNode()) throw new ViewException("a constant's value must be a primitive", at + "." + f.getKey());
                value = paths.primitive(type, f.getValue().asText(), at + "." + f.getKey());
            }
            if (value == null) throw new ViewException("constant '" + name + "' has no value[x]", at);
            out.put(name, List.of(value));
        }
        return Map.copyOf(out);
    }

    /**
     * The rows of {@code resource}: none when it is of another type or a {@code where} is not true.
     *
     * @return rows as arrays in {@link #columns()} order: String, Boolean, Integer or BigDecimal values (null for none),
     *         a List of them for a collection column
     * @throws ViewException when a path gives what the view does not allow (several values for a column that is not a
     *                       collection, a where that is not boolean)
     */
    public List<Object[]> rows(Resource resource) {
        if (!resource.fhirType().equals(this.resource)) return List.of();
        ViewPaths.Scope scope = new ViewPaths.Scope(constants, 0);
        for (int i = 0; i < where.size(); i++) {
            String at = "ViewDefinition.where[" + i + "].path";
            List<Base> result = paths.evaluate(resource, resource, where.get(i), scope, at);
            if (result.isEmpty()) return List.of();
            if (result.size() > 1 || !(result.getFirst() instanceof BooleanType b)) {
                throw new ViewException("a where path must give one boolean, not " + describe(result), at);
            }
            if (!b.booleanValue()) return List.of();
        }
        return process(root, resource, resource, scope);
    }

    private List<Object[]> process(Select s, Resource resource, Base node, ViewPaths.Scope scope) {
        List<Base> foci;
        if (s.iterate() != null) {
            foci = node == null ? List.of() : paths.evaluate(resource, node, s.iterate(), scope, s.iterateElement());
        } else if (!s.repeat().isEmpty()) {
            foci = new ArrayList<>();
            if (node != null) repeat(s, resource, node, scope, foci);
        } else {
            foci = Collections.singletonList(node);
        }
        boolean indexed = s.iterate() != null || !s.repeat().isEmpty();
        if (foci.isEmpty() && s.orNull()) foci = Collections.singletonList(null);
        List<Object[]> out = new ArrayList<>();
        for (int i = 0; i < foci.size(); i++) {
            Base focus = foci.get(i);
            ViewPaths.Scope at = indexed ? scope.at(i) : scope;
            List<Object[]> rows = Collections.singletonList(new Object[columns.size()]);
            if (!s.columns().isEmpty()) {
                Object[] row = new Object[columns.size()];
                for (int c = 0; c < s.columns().size(); c++) row[s.indices()[c]] = value(s.columns().get(c), resource, focus, at);
                rows = product(rows, List.<Object[]>of(row), s.indices());
            }
            for (Select child : s.selects()) {
                rows = product(rows, process(child, resource, focus, at), child.owned());
                if (rows.isEmpty()) break;
            }
            if (!s.unionAll().isEmpty() && !rows.isEmpty()) {
                List<Object[]> union = new ArrayList<>();
                for (Select branch : s.unionAll()) union.addAll(process(branch, resource, focus, at));
                rows = product(rows, union, s.unionAll().getFirst().owned());
            }
            out.addAll(rows);
        }
        return out;
    }

    /** {@code repeat}: every node reachable by the paths, depth first, each before what it reaches. */
    private void repeat(Select s, Resource resource, Base node, ViewPaths.Scope scope, List<Base> out) {
        for (ExpressionNode path : s.repeat()) {
            for (Base child : paths.evaluate(resource, node, path, scope, s.iterateElement())) {
                out.add(child);
                repeat(s, resource, child, scope, out);
            }
        }
    }

    /** Every row of {@code left} combined with every row of {@code right}, which fills the columns {@code owned}. */
    private static List<Object[]> product(List<Object[]> left, List<Object[]> right, int[] owned) {
        List<Object[]> out = new ArrayList<>(left.size() * right.size());
        for (Object[] l : left) {
            for (Object[] r : right) {
                Object[] row = l.clone();
                for (int i : owned) row[i] = r[i];
                out.add(row);
            }
        }
        return out;
    }

    private Object value(Column c, Resource resource, Base focus, ViewPaths.Scope scope) {
        // a forEachOrNull without elements: the path sees an empty focus (its constants and %rowIndex still answer)
        List<Base> found = paths.evaluate(resource, focus, c.path(), scope, c.element());
        if (c.collection()) {
            List<Object> values = new ArrayList<>(found.size());
            for (Base b : found) values.add(primitive(b, c));
            return values;
        }
        if (found.isEmpty()) return null;
        if (found.size() > 1) {
            throw new ViewException("column '" + c.name() + "' gives " + found.size()
                    + " values; a column that is not a collection takes at most one (collection: true, or first())", c.element());
        }
        return primitive(found.getFirst(), c);
    }

    private static Object primitive(Base b, Column c) {
        return switch (b) {
            case BooleanType v -> v.getValue();
            case IntegerType v -> v.getValue();
            case DecimalType v -> v.getValue();
            case PrimitiveType<?> v -> v.getValueAsString();
            default -> throw new ViewException("column '" + c.name() + "' gives a " + b.fhirType()
                    + "; a column's value must be a primitive", c.element());
        };
    }

    private static String describe(List<Base> result) {
        return result.size() == 1 ? "a " + result.getFirst().fhirType() : result.size() + " values";
    }

    private static String text(JsonNode node, String field, String at, boolean required) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (required) throw new ViewException(field + " is required", at);
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) throw new ViewException(field + " must be a non-empty string", at);
        return v.asText();
    }

    private static Iterable<JsonNode> array(JsonNode node, String at) {
        if (!node.isArray()) throw new ViewException("must be an array", at);
        return node;
    }

    private static void known(JsonNode node, Set<String> allowed, String at) {
        if (!node.isObject()) throw new ViewException("must be an object", at);
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) throw new ViewException("unknown element '" + f + "'", at + "." + f);
        }
    }
}
