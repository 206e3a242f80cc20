package org.caregraph.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.caregraph.GraphTest;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Record;
import org.neo4j.driver.exceptions.Neo4jException;

/**
 * The reader's in-process path gives what the driver gives: rows as the driver's records with Bolt's types, a
 * timeout as the driver's error with Neo4j's status code (which the APIs answer as TIMEOUT), read access only, and the
 * caller's own exceptions untouched.
 */
class InProcessReadsTest extends GraphTest {

    private InProcessReads reads() {
        return new InProcessReads(embedded::database);
    }

    @Test
    void rowsAreTheDriversRecordsWithBoltsTypes() {
        String query = "RETURN $s AS s, $i AS i, 1.5 AS d, [1, 2] AS list, {a: 'b'} AS map, null AS nothing, "
                + "date('2024-02-29') AS day";
        List<Record> rows = reads().read(query, Map.of("s", "text", "i", 7), Duration.ofSeconds(10),
                records -> { List<Record> out = new java.util.ArrayList<>(); records.forEachRemaining(out::add); return out; });

        assertThat(rows).hasSize(1);
        Record r = rows.getFirst();
        assertThat(r.keys()).containsExactly("s", "i", "d", "list", "map", "nothing", "day");
        assertThat(r.get("s").asString()).isEqualTo("text");
        assertThat(r.get("i").asLong()).isEqualTo(7L);
        assertThat(r.get("d").asDouble()).isEqualTo(1.5);
        assertThat(r.get("list").asList(v -> v.asLong())).containsExactly(1L, 2L);
        assertThat(r.get("map").asMap()).isEqualTo(Map.of("a", "b"));
        assertThat(r.get("nothing").isNull()).isTrue();
        assertThat(r.get("day").asLocalDate()).isEqualTo(LocalDate.of(2024, 2, 29));
        assertThat(r.get("absent").isNull()).as("a missing key reads as null, as on a driver record").isTrue();
    }

    @Test
    void aTimeoutIsTheDriversErrorWithNeo4jsCode() {
        assertThatThrownBy(() -> reads().read("UNWIND range(1, 2000000000) AS x WITH x WHERE x % 7 = 3 RETURN count(x)",
                Map.of(), Duration.ofMillis(200), records -> records.next().get(0).asLong()))
                .isInstanceOf(Neo4jException.class)
                .satisfies(e -> assertThat(((Neo4jException) e).code()).contains("TransactionTimedOut"));
    }

    @Test
    void aStatementThatWouldWriteIsRefused() {
        assertThatThrownBy(() -> reads().read("CREATE (n:InProcessReadsTest) RETURN n.x AS x", Map.of(),
                Duration.ofSeconds(10), records -> records.hasNext()))
                .isInstanceOf(Neo4jException.class)
                .satisfies(e -> assertThat(((Neo4jException) e).code()).startsWith("Neo.ClientError."));
        long written = reads().read("MATCH (n:InProcessReadsTest) RETURN count(n) AS c", Map.of(), Duration.ofSeconds(10),
                records -> records.next().get("c").asLong());
        assertThat(written).isZero();
    }

    @Test
    void theCallersOwnExceptionsPassThrough() {
        IllegalStateException mine = new IllegalStateException("the caller's");
        assertThatThrownBy(() -> reads().read("RETURN 1 AS one", Map.of(), Duration.ofSeconds(10), records -> {
            throw mine;
        })).isSameAs(mine);
    }
}
