package org.caregraph.search;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Address;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.ContactPoint;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Money;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Timing;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.FhirTerser;
import org.hl7.fhir.r4.model.Base64BinaryType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.IdType;
import org.jsoup.Jsoup;
import org.springframework.stereotype.Component;

/**
 * The values of every indexed search parameter of a resource, computed at write time from the parsed resource with
 * the parameters' FHIRPath expressions, as node properties ({@code sp.<name>...}; see {@link #values}).
 */
@Component
public class SearchIndexer {
    /** Full-text properties (the Neo4j full-text index resource_text covers them): narrative, and the whole content. */
    public static final String TEXT = SearchParams.PREFIX + "_text";
    public static final String CONTENT = SearchParams.PREFIX + "_content";

    private final SearchParams params;
    private final FhirTerser terser;

    public SearchIndexer(SearchParams params, FhirContext fhir) {
        this.params = params;
        this.terser = fhir.newTerser();
    }

    /**
     * Node properties, by parameter type: token {@code sp.n} = ["system|code"] (system empty when none; Identifier
     * system|value, ContactPoint system|value, code/boolean "|value") and {@code sp.n.text} = normalized display texts;
     * string {@code sp.n} = normalized, {@code sp.n.exact} = as written; date {@code sp.n.lo}/{@code sp.n.hi} = epoch
     * ms ranges; reference {@code sp.n} = ["Type/id" or the URL as written] and {@code sp.n.ident} = identifiers of
     * logical references; quantity {@code sp.n} = numbers with {@code sp.n.unit} = "system|code"; number and uri
     * {@code sp.n}. A parameter without a value has no property.
     */
    public Map<String, Object> values(IBaseResource resource) {
        Resource r = (Resource) resource;
        Map<String, Object> out = new HashMap<>();
        for (SearchParams.Param p : params.of(r.fhirType()).values()) {
            List<Base> found;
            try {
                found = params.engine().evaluate(r, p.compiled());
            } catch (RuntimeException e) {
                // an expression the engine cannot evaluate on this content indexes nothing for it
                continue;
            }
            if (found.isEmpty()) continue;
            switch (p.type()) {
                case TOKEN -> token(p.property(), found, out);
                case STRING -> string(p.property(), found, out);
                case DATE -> date(p.property(), found, out);
                case REFERENCE -> reference(p.property(), found, out);
                case QUANTITY -> quantity(p.property(), found, out);
                case NUMBER -> put(out, p.property(), numbers(found));
                case URI -> put(out, p.property(), primitives(found));
                default -> { }
            }
        }
        fullText(r, out);
        return out;
    }

    /**
     * {@code _text}: the narrative as plain text; {@code _content}: every text, code, number and date of the resource
     * (binary data left out), so that a word anywhere in it is found. Single strings, for the full-text index.
     */
    private void fullText(Resource r, Map<String, Object> out) {
        StringBuilder content = new StringBuilder();
        if (r instanceof DomainResource d && d.hasText() && d.getText().hasDiv()) {
            String narrative = Jsoup.parse(d.getText().getDivAsString()).text().strip();
            if (!narrative.isEmpty()) {
                out.put(TEXT, narrative);
                content.append(narrative).append('\n');
            }
        }
        for (PrimitiveType<?> p : terser.getAllPopulatedChildElementsOfType(r, PrimitiveType.class)) {
            if (p instanceof Base64BinaryType || p instanceof IdType || !p.hasValue()) continue;
            content.append(p.getValueAsString()).append('\n');
        }
        if (!content.isEmpty()) out.put(CONTENT, content.toString());
    }

    private static void token(String prop, List<Base> found, Map<String, Object> out) {
        Set<String> codes = new LinkedHashSet<>();
        Set<String> texts = new LinkedHashSet<>();
        Set<String> ofType = new LinkedHashSet<>();
        for (Base b : found) {
            switch (b) {
                case CodeableConcept cc -> {
                    for (Coding c : cc.getCoding()) coding(c, codes, texts);
                    if (cc.hasText()) texts.add(SearchRanges.normalize(cc.getText()));
                }
                case Coding c -> coding(c, codes, texts);
                case Identifier i -> {
                    if (i.hasValue()) codes.add(i.getSystemElement().getValueAsString() == null ? "|" + i.getValue()
                            : i.getSystem() + "|" + i.getValue());
                    if (i.hasType() && i.getType().hasText()) texts.add(SearchRanges.normalize(i.getType().getText()));
                    // :of-type searches type system|type code|value
                    if (i.hasValue()) {
                        for (Coding c : i.getType().getCoding()) {
                            if (c.hasCode()) ofType.add((c.hasSystem() ? c.getSystem() : "") + "|" + c.getCode() + "|" + i.getValue());
                        }
                    }
                }
                case ContactPoint cp -> {
                    if (cp.hasValue()) codes.add((cp.hasSystem() ? cp.getSystem().toCode() : "") + "|" + cp.getValue());
                }
                case PrimitiveType<?> prim -> {
                    if (prim.hasValue()) codes.add("|" + prim.getValueAsString());
                }
                default -> { }
            }
        }
        put(out, prop, List.copyOf(codes));
        put(out, prop + ".text", List.copyOf(texts));
        put(out, prop + ".oftype", List.copyOf(ofType));
    }

    private static void coding(Coding c, Set<String> codes, Set<String> texts) {
        if (c.hasCode()) codes.add((c.hasSystem() ? c.getSystem() : "") + "|" + c.getCode());
        if (c.hasDisplay()) texts.add(SearchRanges.normalize(c.getDisplay()));
    }

    private static void string(String prop, List<Base> found, Map<String, Object> out) {
        List<String> raw = new ArrayList<>();
        for (Base b : found) {
            switch (b) {
                case HumanName n -> {
                    add(raw, n.getFamily());
                    n.getGiven().forEach(g -> add(raw, g.getValue()));
                    n.getPrefix().forEach(g -> add(raw, g.getValue()));
                    n.getSuffix().forEach(g -> add(raw, g.getValue()));
                    add(raw, n.getText());
                }
                case Address a -> {
                    a.getLine().forEach(l -> add(raw, l.getValue()));
                    add(raw, a.getCity());
                    add(raw, a.getDistrict());
                    add(raw, a.getState());
                    add(raw, a.getPostalCode());
                    add(raw, a.getCountry());
                    add(raw, a.getText());
                }
                case PrimitiveType<?> prim -> add(raw, prim.getValueAsString());
                default -> { }
            }
        }
        List<String> exact = raw.stream().distinct().toList();
        put(out, prop, exact.stream().map(SearchRanges::normalize).distinct().toList());
        put(out, prop + ".exact", exact);
    }

    private static void add(List<String> list, String value) {
        if (value != null && !value.isBlank()) list.add(value);
    }

    private static void date(String prop, List<Base> found, Map<String, Object> out) {
        List<Long> lo = new ArrayList<>();
        List<Long> hi = new ArrayList<>();
        for (Base b : found) {
            switch (b) {
                case BaseDateTimeType d -> range(SearchRanges.date(d.getValueAsString()), lo, hi);
                case Period p -> {
                    long[] start = p.hasStart() ? SearchRanges.date(p.getStartElement().getValueAsString()) : null;
                    long[] end = p.hasEnd() ? SearchRanges.date(p.getEndElement().getValueAsString()) : null;
                    if (start != null || end != null) {
                        lo.add(start == null ? SearchRanges.MIN : start[0]);
                        hi.add(end == null ? SearchRanges.MAX : end[1]);
                    }
                }
                case Timing t -> t.getEvent().forEach(e -> range(SearchRanges.date(e.getValueAsString()), lo, hi));
                case StringType s -> range(SearchRanges.date(s.getValue()), lo, hi);
                default -> { }
            }
        }
        put(out, prop + ".lo", lo);
        put(out, prop + ".hi", hi);
    }

    private static void range(long[] r, List<Long> lo, List<Long> hi) {
        if (r == null) return;
        lo.add(r[0]);
        hi.add(r[1]);
    }

    private void reference(String prop, List<Base> found, Map<String, Object> out) {
        List<String> keys = new ArrayList<>();
        List<String> idents = new ArrayList<>();
        for (Base b : found) {
            if (b instanceof Reference ref) {
                if (ref.hasReference() && !ref.getReference().startsWith("#")) keys.add(referenceKey(ref.getReference()));
                if (ref.hasIdentifier() && ref.getIdentifier().hasValue()) {
                    Identifier i = ref.getIdentifier();
                    idents.add((i.hasSystem() ? i.getSystem() : "") + "|" + i.getValue());
                }
            } else if (b instanceof PrimitiveType<?> prim && prim.hasValue()) {
                keys.add(prim.getValueAsString());
            }
        }
        put(out, prop, keys.stream().distinct().toList());
        put(out, prop + ".ident", idents.stream().distinct().toList());
    }

    /** {@code Type/id} of a literal reference (a server base and a version are dropped), else the reference as written. */
    String referenceKey(String reference) {
        String type = params.referencedType(reference);
        if (type == null || reference.contains("?")) return reference;
        String[] s = reference.split("/");
        int at = s.length >= 4 && "_history".equals(s[s.length - 2]) ? s.length - 4 : s.length - 2;
        return type + "/" + s[at + 1];
    }

    private static void quantity(String prop, List<Base> found, Map<String, Object> out) {
        List<Double> numbers = new ArrayList<>();
        List<String> units = new ArrayList<>();
        for (Base b : found) {
            if (b instanceof Quantity q && q.hasValue()) {
                numbers.add(q.getValue().doubleValue());
                units.add((q.hasSystem() ? q.getSystem() : "") + "|" + (q.hasCode() ? q.getCode() : q.hasUnit() ? q.getUnit() : ""));
            } else if (b instanceof Money m && m.hasValue()) {
                numbers.add(m.getValue().doubleValue());
                units.add("urn:iso:std:iso:4217|" + (m.hasCurrency() ? m.getCurrency() : ""));
            }
        }
        put(out, prop, numbers);
        put(out, prop + ".unit", units);
    }

    private static List<Double> numbers(List<Base> found) {
        List<Double> out = new ArrayList<>();
        for (Base b : found) {
            if (b instanceof PrimitiveType<?> prim && prim.hasValue()) {
                try {
                    out.add(Double.parseDouble(prim.getValueAsString()));
                } catch (NumberFormatException e) {
                    // not a number: nothing to index
                }
            }
        }
        return out;
    }

    private static List<String> primitives(List<Base> found) {
        List<String> out = new ArrayList<>();
        for (Base b : found) if (b instanceof PrimitiveType<?> prim && prim.hasValue()) out.add(prim.getValueAsString());
        return out.stream().distinct().toList();
    }

    private static void put(Map<String, Object> out, String prop, List<?> values) {
        if (!values.isEmpty()) out.put(prop, values);
    }
}
