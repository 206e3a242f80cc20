package org.caregraph.fhir;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.caregraph.graph.GraphReader;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.stereotype.Component;

/**
 * FHIR terminology operations on what the server stores ({@link StoredTerminology}): {@code ValueSet/$expand},
 * {@code ValueSet/$validate-code}, {@code CodeSystem/$validate-code}, {@code CodeSystem/$lookup},
 * {@code CodeSystem/$subsumes}, at type level (by url) and on an instance.
 */
@Component
public class TerminologyProvider {
    private final StoredTerminology terminology;
    private final GraphReader reader;
    private final ca.uhn.fhir.context.FhirContext fhir;

    public TerminologyProvider(ca.uhn.fhir.context.FhirContext fhir, StoredTerminology terminology, GraphReader reader) {
        this.fhir = fhir;
        this.terminology = terminology;
        this.reader = reader;
    }

    @Operation(name = "$expand", idempotent = true, type = ValueSet.class)
    public ValueSet expand(@IdParam(optional = true) IdType id, @OperationParam(name = "url") UriType url,
                           @OperationParam(name = "valueSet") ValueSet given, @OperationParam(name = "filter") StringType filter,
                           @OperationParam(name = "offset") IntegerType offset, @OperationParam(name = "count") IntegerType count) {
        AccessContext access = Access.current();
        ValueSet vs = valueSet(access, id, url, given);
        List<Coding> codes = terminology.expand(access, vs);
        if (filter != null && filter.hasValue()) {
            String f = filter.getValue().toLowerCase(Locale.ROOT);
            codes = codes.stream().filter(c -> c.getCode().toLowerCase(Locale.ROOT).contains(f)
                    || c.hasDisplay() && c.getDisplay().toLowerCase(Locale.ROOT).contains(f)).toList();
        }
        int from = offset == null || offset.getValue() == null ? 0 : Math.max(0, offset.getValue());
        int size = count == null || count.getValue() == null ? codes.size() : Math.max(0, count.getValue());
        ValueSet out = vs.copy();
        out.setCompose(null);
        ValueSet.ValueSetExpansionComponent expansion = out.getExpansion().setIdentifier("urn:uuid:" + java.util.UUID.randomUUID())
                .setTimestampElement(DateTimeType.now()).setTotal(codes.size()).setOffset(from);
        expansion.getContains().clear();
        for (Coding c : codes.subList(Math.min(from, codes.size()), Math.min(codes.size(), from + size))) {
            expansion.addContains().setSystem(c.getSystem()).setCode(c.getCode()).setDisplay(c.getDisplay());
        }
        return out;
    }

    @Operation(name = "$validate-code", idempotent = true, type = ValueSet.class)
    public Parameters validateInValueSet(@IdParam(optional = true) IdType id, @OperationParam(name = "url") UriType url,
                                         @OperationParam(name = "valueSet") ValueSet given,
                                         @OperationParam(name = "code") CodeType code, @OperationParam(name = "system") UriType system,
                                         @OperationParam(name = "display") StringType display,
                                         @OperationParam(name = "coding") Coding coding,
                                         @OperationParam(name = "codeableConcept") CodeableConcept concept) {
        AccessContext access = Access.current();
        ValueSet vs = valueSet(access, id, url, given);
        List<Coding> candidates = codings(code, system, coding, concept);
        List<Coding> codes = terminology.expand(access, vs);
        for (Coding c : candidates) {
            Optional<Coding> found = codes.stream().filter(k -> k.getCode().equals(c.getCode())
                    && (!c.hasSystem() || c.getSystem().equals(k.getSystem()))).findFirst();
            if (found.isPresent()) return result(true, found.get(), display, "the code is in " + vs.getUrl());
        }
        return result(false, null, null, "the code " + candidates.stream().map(c -> c.getSystem() + "|" + c.getCode()).toList()
                + " is not in ValueSet " + vs.getUrl());
    }

    @Operation(name = "$validate-code", idempotent = true, type = CodeSystem.class)
    public Parameters validateInCodeSystem(@IdParam(optional = true) IdType id, @OperationParam(name = "url") UriType url,
                                           @OperationParam(name = "code") CodeType code, @OperationParam(name = "display") StringType display,
                                           @OperationParam(name = "coding") Coding coding,
                                           @OperationParam(name = "codeableConcept") CodeableConcept concept) {
        AccessContext access = Access.current();
        String systemUrl = codeSystemUrl(access, id, url, coding);
        for (Coding c : codings(code, null, coding, concept)) {
            Optional<Coding> found = terminology.lookup(access, systemUrl, c.getCode());
            if (found.isPresent()) return result(true, found.get(), display, "the code is in " + systemUrl);
        }
        return result(false, null, null, "the code is not in code system " + systemUrl);
    }

    @Operation(name = "$lookup", idempotent = true, type = CodeSystem.class)
    public Parameters lookup(@OperationParam(name = "system") UriType system, @OperationParam(name = "code") CodeType code,
                             @OperationParam(name = "coding") Coding coding) {
        Coding c = coding != null ? coding : new Coding(system == null ? null : system.getValue(), code == null ? null : code.getValue(), null);
        if (!c.hasSystem() || !c.hasCode()) throw new InvalidRequestException("$lookup takes system and code (or coding)");
        Coding found = terminology.lookup(Access.current(), c.getSystem(), c.getCode()).orElseThrow(() ->
                new ResourceNotFoundException("code " + c.getSystem() + "|" + c.getCode() + " is not known to this server"));
        Parameters out = new Parameters();
        out.addParameter("name", c.getSystem());
        if (found.hasDisplay()) out.addParameter("display", found.getDisplay());
        return out;
    }

    @Operation(name = "$subsumes", idempotent = true, type = CodeSystem.class)
    public Parameters subsumes(@IdParam(optional = true) IdType id, @OperationParam(name = "system") UriType system,
                               @OperationParam(name = "codeA") CodeType codeA, @OperationParam(name = "codeB") CodeType codeB,
                               @OperationParam(name = "codingA") Coding codingA, @OperationParam(name = "codingB") Coding codingB) {
        AccessContext access = Access.current();
        String systemUrl = id != null && id.hasIdPart() ? codeSystemUrl(access, id, null, null)
                : system != null && system.hasValue() ? system.getValue() : codingA != null ? codingA.getSystem() : null;
        String a = codeA != null ? codeA.getValue() : codingA != null ? codingA.getCode() : null;
        String b = codeB != null ? codeB.getValue() : codingB != null ? codingB.getCode() : null;
        if (systemUrl == null || a == null || b == null) throw new InvalidRequestException("$subsumes takes system, codeA and codeB (or codingA and codingB)");
        if (codingB != null && codingB.hasSystem() && !codingB.getSystem().equals(systemUrl)) {
            throw new InvalidRequestException("codingA and codingB are of different systems");
        }
        Parameters out = new Parameters();
        out.addParameter().setName("outcome").setValue(new CodeType(terminology.subsumes(access, systemUrl, a, b)));
        return out;
    }

    private ValueSet valueSet(AccessContext access, IdType id, UriType url, ValueSet given) {
        if (given != null) return given;
        if (id != null && id.hasIdPart()) {
            return reader.read(access, "ValueSet/" + id.getIdPart()).map(r -> fhir.newJsonParser().parseResource(ValueSet.class, r.json()))
                    .orElseThrow(() -> new ResourceNotFoundException(new IdType("ValueSet", id.getIdPart())));
        }
        if (url == null || !url.hasValue()) throw new InvalidRequestException("name the ValueSet: an instance, url or valueSet");
        return terminology.stored(access, ValueSet.class, url.getValue()).orElseThrow(() ->
                new ResourceNotFoundException("ValueSet " + url.getValue() + " is not stored on this server"));
    }

    private String codeSystemUrl(AccessContext access, IdType id, UriType url, Coding coding) {
        if (id != null && id.hasIdPart()) {
            return reader.read(access, "CodeSystem/" + id.getIdPart()).map(r -> fhir.newJsonParser().parseResource(CodeSystem.class, r.json()).getUrl())
                    .orElseThrow(() -> new ResourceNotFoundException(new IdType("CodeSystem", id.getIdPart())));
        }
        if (url != null && url.hasValue()) return url.getValue();
        if (coding != null && coding.hasSystem()) return coding.getSystem();
        throw new InvalidRequestException("name the CodeSystem: an instance, url, or a coding with its system");
    }

    private static List<Coding> codings(CodeType code, UriType system, Coding coding, CodeableConcept concept) {
        if (coding != null) return List.of(coding);
        if (concept != null && concept.hasCoding()) return concept.getCoding();
        if (code == null || !code.hasValue()) throw new InvalidRequestException("$validate-code takes code (with system), coding or codeableConcept");
        return List.of(new Coding(system == null ? null : system.getValue(), code.getValue(), null));
    }

    private static Parameters result(boolean ok, Coding found, StringType display, String message) {
        Parameters out = new Parameters();
        out.addParameter().setName("result").setValue(new BooleanType(ok));
        if (found != null && found.hasDisplay()) {
            out.addParameter("display", found.getDisplay());
            if (display != null && display.hasValue() && !display.getValue().equalsIgnoreCase(found.getDisplay())) {
                out.getParameter().getFirst().setValue(new BooleanType(false));
                message = "the display '" + display.getValue() + "' is not '" + found.getDisplay() + "'";
            }
        }
        out.addParameter("message", message);
        return out;
    }
}
