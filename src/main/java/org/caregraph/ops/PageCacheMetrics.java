package org.caregraph.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import org.neo4j.io.pagecache.PageCache;
import org.neo4j.io.pagecache.monitoring.PageCacheCounters;

/**
 * The embedded Neo4j's page cache as meters ({@code neo4j.pagecache.*}): its size, hits and faults (their ratio says
 * whether the store fits), evictions, flushes and bytes moved. Neo4j Community has no metrics endpoint of its own;
 * a Neo4j server reached by NEO4J_URI exports these itself (Enterprise) and is not measured here.
 */
public class PageCacheMetrics implements MeterBinder {
    private final Supplier<Optional<PageCacheCounters>> source;
    private volatile Optional<PageCacheCounters> counters;

    /** @param source the counters, asked for at the first reading: the store may still be starting when meters bind */
    public PageCacheMetrics(Supplier<Optional<PageCacheCounters>> source) {
        this.source = source;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        counter(registry, "hits", "Page pins served from the cache", PageCacheCounters::hits, null);
        counter(registry, "faults", "Page pins that read from disk", PageCacheCounters::faults, null);
        counter(registry, "evictions", "Pages evicted to make room", PageCacheCounters::evictions, null);
        counter(registry, "flushes", "Pages written back to disk", PageCacheCounters::flushes, null);
        counter(registry, "read", "Bytes read from the store files", PageCacheCounters::bytesRead, "bytes");
        counter(registry, "written", "Bytes written to the store files", PageCacheCounters::bytesWritten, "bytes");
        Gauge.builder("neo4j.pagecache.hit.ratio", this, m -> m.read(PageCacheCounters::hitRatio))
                .description("Hits per pin since start").register(registry);
        Gauge.builder("neo4j.pagecache.size", this, m -> m.read(c -> (double) c.maxPages() * PageCache.PAGE_SIZE))
                .baseUnit("bytes").description("The page cache's configured size").register(registry);
    }

    private double read(ToDoubleFunction<PageCacheCounters> value) {
        Optional<PageCacheCounters> c = counters;
        if (c == null) counters = c = source.get();
        return c.map(value::applyAsDouble).orElse(Double.NaN);
    }

    private void counter(MeterRegistry registry, String name, String description, ToDoubleFunction<PageCacheCounters> value,
                         String unit) {
        FunctionCounter.builder("neo4j.pagecache." + name, this, m -> m.read(value)).description(description).baseUnit(unit)
                .register(registry);
    }
}
