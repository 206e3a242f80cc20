package org.caregraph.cli;

import java.util.Arrays;

/** Order statistics of benchmark samples. */
final class BenchMath {
    private BenchMath() {
    }

    static double median(double[] values) {
        return percentile(values, 50);
    }

    /** The p-th percentile, interpolated between the two nearest ranks. */
    static double percentile(double[] values, double p) {
        double[] v = values.clone();
        Arrays.sort(v);
        double rank = p / 100 * (v.length - 1);
        int lo = (int) Math.floor(rank);
        int hi = (int) Math.ceil(rank);
        return v[lo] + (v[hi] - v[lo]) * (rank - lo);
    }
}
