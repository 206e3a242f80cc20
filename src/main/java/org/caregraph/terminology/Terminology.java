package org.caregraph.terminology;

import java.util.function.LongFunction;

/** The terminologies that can be loaded, with the FHIR system URI their codes get (the one Synthea's codings use). */
public enum Terminology {
    SNOMED("http://snomed.info/sct", Rf2Reader::new),
    RXNORM("http://www.nlm.nih.gov/research/umls/rxnorm", RxNormReader::new),
    ICD10CM("http://hl7.org/fhir/sid/icd-10-cm", bytesPerPass -> new Icd10CmReader()),
    LOINC("http://loinc.org", bytesPerPass -> new LoincReader());

    private final String system;
    private final LongFunction<TerminologyReader> reader;

    Terminology(String system, LongFunction<TerminologyReader> reader) {
        this.system = system;
        this.reader = reader;
    }

    public String system() {
        return system;
    }

    /**
     * A reader of this format. Formats whose terms of one concept are spread over a file (SNOMED, RxNorm) group them
     * in memory, reading the file once per slice of concepts so that a slice holds about {@code bytesPerPass} of it.
     */
    public TerminologyReader reader(long bytesPerPass) {
        return reader.apply(bytesPerPass);
    }
}
