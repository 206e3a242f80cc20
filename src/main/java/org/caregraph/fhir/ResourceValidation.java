package org.caregraph.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ValidationOptions;
import ca.uhn.fhir.validation.ValidationResult;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CodeSystem;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.hl7.fhir.r4.model.ValueSet;
import org.springframework.stereotype.Component;

/**
 * {@code $validate} with HAPI's instance validator: the base R4 definitions (hapi-fhir-validation-resources-r4), the
 * common code systems, in-memory terminology, and the profiles, ValueSets and CodeSystems stored on this server (read
 * from the graph with the caller's access when the validator asks, cached for 5 seconds, so a profile written is
 * used by the validations after it). Profiles without a snapshot get one generated.
 */
@Component
public class ResourceValidation {
    private final FhirContext fhir;
    private final FhirValidator validator;

    public ResourceValidation(FhirContext fhir, StoredTerminology stored) {
        this.fhir = fhir;
        IValidationSupport fromGraph = new StoredConformance(fhir, stored);
        // the chain's cache is kept short: stored profiles change, and each caller reads them with its own access
        // (without the cache the chain does not resolve the base types at all)
        ValidationSupportChain chain = new ValidationSupportChain(ValidationSupportChain.CacheConfiguration.defaultValues()
                .setCacheTimeout(java.time.Duration.ofSeconds(5)),
                new DefaultProfileValidationSupport(fhir), fromGraph, new CommonCodeSystemsTerminologyService(fhir),
                new InMemoryTerminologyServerValidationSupport(fhir), new SnapshotGeneratingValidationSupport(fhir));
        FhirInstanceValidator instance = new FhirInstanceValidator(chain);
        instance.setAnyExtensionsAllowed(true);
        this.validator = fhir.newValidator().registerValidatorModule(instance);
    }

    /** The OperationOutcome of validating {@code resource} (against {@code profile} too when given). */
    public OperationOutcome validate(AccessContext access, IBaseResource resource, String profile) {
        ValidationOptions options = new ValidationOptions();
        if (profile != null && !profile.isBlank()) options.addProfile(canonical(profile));
        ValidationResult result = validator.validateWithResult(resource, options);
        OperationOutcome outcome = (OperationOutcome) result.toOperationOutcome();
        if (!outcome.hasIssue()) {
            outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                    .setCode(OperationOutcome.IssueType.INFORMATIONAL).setDiagnostics("No issues detected during validation");
        }
        return outcome;
    }

    /** HAPI hands a {@code valueUri} profile parameter over as its toString, {@code UriType[http://...]}. */
    private static String canonical(String profile) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^[A-Za-z]+Type\\[(.*)]$").matcher(profile.strip());
        return m.matches() ? m.group(1) : profile.strip();
    }

    OperationOutcome ok(String message) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue().setSeverity(OperationOutcome.IssueSeverity.INFORMATION)
                .setCode(OperationOutcome.IssueType.INFORMATIONAL).setDiagnostics(message);
        return outcome;
    }

    /** The conformance resources stored on the server, read with the current request's access. */
    private static final class StoredConformance implements IValidationSupport {
        private final FhirContext fhir;
        private final StoredTerminology stored;

        StoredConformance(FhirContext fhir, StoredTerminology stored) {
            this.fhir = fhir;
            this.stored = stored;
        }

        @Override
        public FhirContext getFhirContext() {
            return fhir;
        }

        private static boolean core(String url) {
            return url == null || url.startsWith("http://hl7.org/fhir/") || url.startsWith("http://terminology.hl7.org/");
        }

        @Override
        public IBaseResource fetchStructureDefinition(String url) {
            return core(url) ? null : stored.stored(Access.current(), StructureDefinition.class, url).orElse(null);
        }

        @Override
        public IBaseResource fetchValueSet(String url) {
            return core(url) ? null : stored.stored(Access.current(), ValueSet.class, url).orElse(null);
        }

        @Override
        public IBaseResource fetchCodeSystem(String url) {
            return core(url) ? null : stored.stored(Access.current(), CodeSystem.class, url).orElse(null);
        }

        @Override
        public String getName() {
            return "CareGraph stored conformance resources";
        }
    }
}
