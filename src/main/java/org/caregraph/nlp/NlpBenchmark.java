package org.caregraph.nlp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToIntFunction;

/**
 * Throughput of the pipeline over a list of notes: notes/s and chars/s, the median of several timed runs after one
 * warm-up run, on {@code threads} threads; the baseline in the same run is sentence splitting plus tokenizing alone
 * (what any pipeline has to do), so the ratio says what matching, attributes and assertions cost on top.
 */
public final class NlpBenchmark {

    private NlpBenchmark() {
    }

    public static Map<String, Object> run(List<String> notes, NoteAnalyzer analyzer, int runs, int threads) throws Exception {
        long chars = notes.stream().mapToLong(String::length).sum();
        ClinicalTokenizer tokenizer = new ClinicalTokenizer();
        SentenceSplitter splitter = new SentenceSplitter();
        ToIntFunction<String> baseline = text -> {
            int n = 0;
            for (var s : splitter.split(text)) n += tokenizer.tokenize(text.substring(s.getStart(), s.getEnd())).size();
            return n;
        };
        ToIntFunction<String> pipeline = text -> analyzer.analyze(text).size();
        long heapBefore = usedHeap();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            time(notes, baseline, pool, threads); // warm-up
            double baselineRate = median(notes, baseline, pool, threads, runs);
            long mentions = time(notes, pipeline, pool, threads)[1]; // warm-up
            double rate = median(notes, pipeline, pool, threads, runs);
            long heapAfter = usedHeap();
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("notes", notes.size());
            out.put("chars", chars);
            out.put("mentions", mentions);
            out.put("threads", threads);
            out.put("runs", runs);
            out.put("notesPerSecond", Math.round(rate));
            out.put("charsPerSecond", Math.round(rate * chars / notes.size()));
            out.put("baselineNotesPerSecond", Math.round(baselineRate));
            out.put("pipelineToBaseline", Math.round(rate / baselineRate * 1000) / 1000.0);
            out.put("heapUsedBeforeMB", heapBefore >> 20);
            out.put("heapUsedAfterMB", heapAfter >> 20);
            out.put("version", analyzer.version());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static double median(List<String> notes, ToIntFunction<String> work, ExecutorService pool, int threads, int runs)
            throws Exception {
        List<Double> rates = new ArrayList<>();
        for (int r = 0; r < runs; r++) {
            long nanos = time(notes, work, pool, threads)[0];
            rates.add(notes.size() / (nanos / 1e9));
        }
        rates.sort(null);
        return rates.get(rates.size() / 2);
    }

    /** {nanoseconds, sum of work results}: the notes split in {@code threads} interleaved shares. */
    private static long[] time(List<String> notes, ToIntFunction<String> work, ExecutorService pool, int threads)
            throws Exception {
        long start = System.nanoTime();
        List<Future<Long>> parts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int share = t;
            parts.add(pool.submit(() -> {
                long sum = 0;
                for (int i = share; i < notes.size(); i += threads) sum += work.applyAsInt(notes.get(i));
                return sum;
            }));
        }
        long sum = 0;
        for (Future<Long> f : parts) sum += f.get();
        return new long[] {System.nanoTime() - start, sum};
    }

    private static long usedHeap() {
        System.gc();
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }
}
