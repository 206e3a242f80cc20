package org.caregraph.graphql;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts patients' paths into the schema's Pathways: nodes per step, links between consecutive steps with the median
 * time between their events, and the most frequent whole sequences. Pure: the paths come from the graph already
 * windowed, deduplicated per concept and cut to the asked number of steps.
 */
public final class PathwayAnalysis {
    private static final double MS_PER_DAY = 86_400_000.0;

    /** The schema's Concept. */
    public record Concept(String key, String system, String code, String display) {
    }

    /** One event of a patient's path: its concept, kind and instant (epoch ms). */
    public record Event(Concept concept, EventType type, long at) {
    }

    /** A cohort patient's index event and the following events, in order (possibly none). */
    public record PatientPath(Event index, List<Event> following) {
    }

    public record Pathways(int cohortSize, List<Node> nodes, List<Link> links, List<Sequence> sequences) {
    }

    public record Node(String id, int step, Concept concept, EventType eventType, int patients, double percent) {
    }

    public record Link(String source, String target, int patients, double percent, double medianDays) {
    }

    public record Sequence(List<Concept> concepts, int patients, double percent) {
    }

    private PathwayAnalysis() {
    }

    public static Pathways of(List<PatientPath> paths, int minSupport, int top) {
        int cohort = paths.size();
        Map<String, Node> nodes = new LinkedHashMap<>();
        Map<List<String>, List<Double>> linkDays = new LinkedHashMap<>();
        Map<List<String>, List<Concept>> sequences = new LinkedHashMap<>();
        Map<List<String>, Integer> sequenceCounts = new LinkedHashMap<>();
        for (PatientPath path : paths) {
            List<Event> events = new ArrayList<>();
            events.add(path.index());
            events.addAll(path.following());
            String previous = null;
            for (int step = 0; step < events.size(); step++) {
                Event e = events.get(step);
                String id = step + ":" + e.type() + ":" + e.concept().key();
                nodes.merge(id, new Node(id, step, e.concept(), e.type(), 1, 0), (a, b) -> withPatients(a, a.patients() + 1));
                if (previous != null) {
                    linkDays.computeIfAbsent(List.of(previous, id), k -> new ArrayList<>())
                            .add((e.at() - events.get(step - 1).at()) / MS_PER_DAY);
                }
                previous = id;
            }
            List<Concept> concepts = events.stream().map(Event::concept).toList();
            List<String> keys = concepts.stream().map(Concept::key).toList();
            sequences.putIfAbsent(keys, concepts);
            sequenceCounts.merge(keys, 1, Integer::sum);
        }

        List<Node> keptNodes = nodes.values().stream().filter(n -> n.patients() >= minSupport)
                .map(n -> new Node(n.id(), n.step(), n.concept(), n.eventType(), n.patients(), percent(n.patients(), cohort)))
                .sorted(Comparator.comparingInt(Node::step).thenComparing(Node::patients, Comparator.reverseOrder())
                        .thenComparing(Node::id))
                .toList();
        Map<String, Node> kept = new LinkedHashMap<>();
        keptNodes.forEach(n -> kept.put(n.id(), n));
        List<Link> links = linkDays.entrySet().stream()
                .filter(e -> e.getValue().size() >= minSupport && kept.containsKey(e.getKey().get(0))
                        && kept.containsKey(e.getKey().get(1)))
                .map(e -> new Link(e.getKey().get(0), e.getKey().get(1), e.getValue().size(),
                        percent(e.getValue().size(), cohort), round(median(e.getValue()))))
                .sorted(Comparator.<Link>comparingInt(l -> kept.get(l.source()).step())
                        .thenComparing(Link::patients, Comparator.reverseOrder())
                        .thenComparing(Link::source).thenComparing(Link::target))
                .toList();
        List<Sequence> frequent = sequenceCounts.entrySet().stream().filter(e -> e.getValue() >= minSupport)
                .sorted(Map.Entry.<List<String>, Integer>comparingByValue().reversed()
                        .thenComparing(Map.Entry::getKey, PathwayAnalysis::compareKeys))
                .limit(top)
                .map(e -> new Sequence(sequences.get(e.getKey()), e.getValue(), percent(e.getValue(), cohort)))
                .toList();
        return new Pathways(cohort, keptNodes, links, frequent);
    }

    private static Node withPatients(Node n, int patients) {
        return new Node(n.id(), n.step(), n.concept(), n.eventType(), patients, n.percent());
    }

    /** Element by element; a sequence before its extensions. */
    private static int compareKeys(List<String> a, List<String> b) {
        for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
            int c = a.get(i).compareTo(b.get(i));
            if (c != 0) return c;
        }
        return Integer.compare(a.size(), b.size());
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    private static double percent(int patients, int cohort) {
        return cohort == 0 ? 0 : round(100.0 * patients / cohort);
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
