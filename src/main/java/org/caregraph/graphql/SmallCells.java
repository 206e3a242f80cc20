package org.caregraph.graphql;

import graphql.schema.DataFetchingEnvironment;
import org.caregraph.graphql.PathwayAnalysis.Link;
import org.caregraph.graphql.PathwayAnalysis.Node;
import org.caregraph.graphql.PathwayAnalysis.Pathways;
import org.caregraph.graphql.PathwayAnalysis.Sequence;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.graphql.data.method.annotation.SchemaMapping;
import org.springframework.stereotype.Controller;

/**
 * Small-cell suppression of population figures: for a caller below system level (a user's analytics scope), a count
 * of patients from 1 to {@code caregraph.analytics.min-cell-count} - 1 (default 11, the common public-health threshold)
 * is not shown — the count and what is derived from it (percent, median days) are null and {@code suppressed} is true
 * — so that a pathway or cohort of a handful of patients cannot be used to single them out. Zero is shown. System-level
 * analytics callers see every figure.
 */
@Controller
class SmallCells {
    private final int minimum;

    SmallCells(@Value("${caregraph.analytics.min-cell-count:11}") int minimum) {
        this.minimum = minimum;
    }

    /** Whether {@code patients} must not be shown to this request's caller. */
    boolean hidden(int patients, DataFetchingEnvironment env) {
        return patients > 0 && patients < minimum && GraphQlAccess.of(env).suppressSmallCells();
    }

    private Integer count(int patients, DataFetchingEnvironment env) {
        return hidden(patients, env) ? null : patients;
    }

    private Double derived(int patients, double value, DataFetchingEnvironment env) {
        return hidden(patients, env) ? null : value;
    }

    @SchemaMapping(typeName = "Pathways")
    Integer cohortSize(Pathways p, DataFetchingEnvironment env) {
        return count(p.cohortSize(), env);
    }

    @SchemaMapping(typeName = "Pathways", field = "suppressed")
    boolean pathwaysSuppressed(Pathways p, DataFetchingEnvironment env) {
        return hidden(p.cohortSize(), env);
    }

    @SchemaMapping(typeName = "PathwayNode", field = "patients")
    Integer nodePatients(Node n, DataFetchingEnvironment env) {
        return count(n.patients(), env);
    }

    @SchemaMapping(typeName = "PathwayNode", field = "percent")
    Double nodePercent(Node n, DataFetchingEnvironment env) {
        return derived(n.patients(), n.percent(), env);
    }

    @SchemaMapping(typeName = "PathwayNode", field = "suppressed")
    boolean nodeSuppressed(Node n, DataFetchingEnvironment env) {
        return hidden(n.patients(), env);
    }

    @SchemaMapping(typeName = "PathwayLink", field = "patients")
    Integer linkPatients(Link l, DataFetchingEnvironment env) {
        return count(l.patients(), env);
    }

    @SchemaMapping(typeName = "PathwayLink", field = "percent")
    Double linkPercent(Link l, DataFetchingEnvironment env) {
        return derived(l.patients(), l.percent(), env);
    }

    @SchemaMapping(typeName = "PathwayLink", field = "medianDays")
    Double linkMedianDays(Link l, DataFetchingEnvironment env) {
        return derived(l.patients(), l.medianDays(), env);
    }

    @SchemaMapping(typeName = "PathwayLink", field = "suppressed")
    boolean linkSuppressed(Link l, DataFetchingEnvironment env) {
        return hidden(l.patients(), env);
    }

    @SchemaMapping(typeName = "PathwaySequence", field = "patients")
    Integer sequencePatients(Sequence s, DataFetchingEnvironment env) {
        return count(s.patients(), env);
    }

    @SchemaMapping(typeName = "PathwaySequence", field = "percent")
    Double sequencePercent(Sequence s, DataFetchingEnvironment env) {
        return derived(s.patients(), s.percent(), env);
    }

    @SchemaMapping(typeName = "PathwaySequence", field = "suppressed")
    boolean sequenceSuppressed(Sequence s, DataFetchingEnvironment env) {
        return hidden(s.patients(), env);
    }

    @SchemaMapping(typeName = "Cohort", field = "count")
    Integer cohortCount(CohortController.Cohort c, DataFetchingEnvironment env) {
        return count(c.keys().size(), env);
    }

    @SchemaMapping(typeName = "Cohort", field = "suppressed")
    boolean cohortSuppressed(CohortController.Cohort c, DataFetchingEnvironment env) {
        return hidden(c.keys().size(), env);
    }
}
