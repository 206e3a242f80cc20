package org.caregraph.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The $access parameter of the named queries: when the per-row filter can be one boolean, and when it may not. */
class AccessParameterTest {

    private static Map<String, Object> parameter(String patient, String... scopes) {
        return AccessContext.token("c", null, "j", patient, List.of(scopes), null).cypherParameter();
    }

    @Test
    void anUnlimitedWildcardReadLetsEverythingThrough() {
        assertThat(parameter(null, "system/*.rs").get("all")).isEqualTo(true);
        assertThat(parameter(null, "system/*.read").get("all")).isEqualTo(true);
        assertThat(parameter(null, "system/Condition.rs", "system/*.s").get("all")).isEqualTo(true);
        assertThat(AccessContext.service("test").cypherParameter().get("all")).isEqualTo(true);
    }

    @Test
    void anyLimitKeepsTheRowFilter() {
        // compartment, category, a type's own rule only, a wildcard that may only write
        assertThat(parameter("Patient/a", "patient/*.rs").get("all")).isEqualTo(false);
        assertThat(parameter(null, "system/*.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory").get("all")).isEqualTo(false);
        assertThat(parameter(null, "system/Condition.rs").get("all")).isEqualTo(false);
        assertThat(parameter(null, "system/*.cud").get("all")).isEqualTo(false);
        assertThat(AccessContext.token("c", "Practitioner/x", "j", null, List.of("user/*.rs"), Set.of("Patient/a"))
                .cypherParameter().get("all")).isEqualTo(false);
    }
}
