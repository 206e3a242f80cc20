package org.caregraph.security.authz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.List;
import org.caregraph.security.SmartScope.Context;
import org.junit.jupiter.api.Test;

/** The algebra of scope negotiation: grant = requested ∩ allowance, as permissions rather than strings. */
class ScopeNegotiationTest {

    private static List<String> grant(String requested, String allowance) {
        return ScopeNegotiation.negotiate(Arrays.asList(requested.split(" ")), Arrays.asList(allowance.split(" ")));
    }

    @Test
    void wildcardsAreIntersectedWithTypes() {
        assertThat(grant("patient/*.rs", "patient/Observation.rs patient/Condition.r")).containsExactly("patient/Observation.rs", "patient/Condition.r");
        assertThat(grant("patient/Observation.rs", "patient/*.cruds")).containsExactly("patient/Observation.rs");
        assertThat(grant("patient/*.cruds", "patient/*.rs")).containsExactly("patient/*.rs");
        assertThat(grant("user/Observation.cud", "user/*.cruds")).containsExactly("user/Observation.cud");
    }

    @Test
    void actionsAreIntersectedAndTheAnswerKeepsTheFormAsked() {
        assertThat(grant("system/Observation.read", "system/*.cruds")).as("v1 asked, v1 answered").containsExactly("system/Observation.read");
        assertThat(grant("system/Observation.rs", "system/*.read")).as("v2 asked, v2 answered").containsExactly("system/Observation.rs");
        assertThat(grant("system/*.*", "system/Patient.rs")).containsExactly("system/Patient.read");
        assertThat(grant("system/Observation.read", "system/Observation.r")).as("no v1 name for r alone").containsExactly("system/Observation.r");
        assertThat(grant("system/Observation.write", "system/*.cruds")).containsExactly("system/Observation.write");
        assertThat(grant("system/Observation.write system/Observation.rs", "system/Observation.cu system/Patient.r"))
                .containsExactly("system/Observation.cu");
    }

    @Test
    void contextsDoNotMix() {
        assertThat(grant("patient/*.rs user/*.rs", "user/*.rs")).containsExactly("user/*.rs");
        assertThatThrownBy(() -> grant("system/*.rs", "user/*.cruds patient/*.cruds"))
                .isInstanceOf(ScopeNegotiation.InvalidScopeException.class);
        assertThat(ScopeNegotiation.ofContext(List.of("system/*.rs", "user/*.rs", "openid", "system/caregraph.cypher",
                "user/caregraph.analytics"), Context.SYSTEM)).containsExactly("system/*.rs", "system/caregraph.cypher");
    }

    @Test
    void granularCategoryRestrictionsStayInTheGrant() {
        assertThat(grant("patient/Observation.rs?category=laboratory", "patient/*.rs"))
                .containsExactly("patient/Observation.rs?category=laboratory");
        assertThat(grant("patient/Observation.rs", "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"))
                .containsExactly("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory");
        assertThat(grant("patient/Observation.rs?category=laboratory",
                "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory"))
                .as("a bare code meets its system|code").containsExactly(
                        "patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory");
        assertThatThrownBy(() -> grant("patient/Observation.rs?category=vital-signs", "patient/Observation.rs?category=laboratory"))
                .isInstanceOf(ScopeNegotiation.InvalidScopeException.class);
        assertThatThrownBy(() -> grant("patient/Observation.rs?code=1234", "patient/*.rs"))
                .isInstanceOf(ScopeNegotiation.InvalidScopeException.class).hasMessageContaining("category");
    }

    @Test
    void aScopeCoveredByAnotherGrantedScopeIsNotRepeated() {
        assertThat(grant("user/Observation.rs user/*.rs", "user/*.rs")).containsExactly("user/*.rs");
        assertThat(grant("user/Observation.rs", "user/*.rs user/Observation.r")).containsExactly("user/Observation.rs");
    }

    @Test
    void contextAndCareGraphScopesAreGrantedWhenAllowedVerbatim() {
        assertThat(grant("openid fhirUser launch/patient offline_access patient/*.rs", "openid fhirUser patient/*.rs"))
                .containsExactly("openid", "fhirUser", "patient/*.rs");
        assertThat(grant("system/caregraph.cypher system/caregraph.import", "system/caregraph.cypher system/*.rs"))
                .containsExactly("system/caregraph.cypher");
        assertThat(grant("launch profile user/*.rs", "user/*.rs")).as("scopes the server does not grant are left out")
                .containsExactly("user/*.rs");
    }

    @Test
    void unknownTypesActionsAndEmptyGrantsAreInvalidScope() {
        assertThatThrownBy(() -> grant("patient/Foo.rs", "patient/*.rs")).hasMessageContaining("unknown resource type");
        assertThatThrownBy(() -> grant("patient/Observation.rsx", "patient/*.rs")).hasMessageContaining("unknown action");
        assertThatThrownBy(() -> grant("patient/Observation.sr", "patient/*.rs")).as("letters out of cruds order")
                .hasMessageContaining("unknown action");
        assertThatThrownBy(() -> grant("patient/Observation.rs", "patient/Condition.rs")).hasMessageContaining("none of");
        assertThatThrownBy(() -> grant("offline_access", "patient/*.rs")).hasMessageContaining("none of");
    }

    @Test
    void aUsersUserScopesAlsoAllowTheSameForAPatientItPicks() {
        List<String> allowance = ScopeNegotiation.userAllowance(List.of("user/*.rs", "user/caregraph.analytics"));
        assertThat(ScopeNegotiation.negotiate(List.of("launch/patient", "patient/Observation.rs", "user/Patient.cruds",
                "user/caregraph.analytics", "system/*.rs"), allowance))
                .containsExactly("launch/patient", "user/caregraph.analytics", "patient/Observation.rs", "user/Patient.rs");
    }
}
