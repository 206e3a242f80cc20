package org.caregraph.cli;

import java.io.PrintStream;
import java.util.Comparator;
import org.springframework.boot.context.metrics.buffering.BufferingApplicationStartup;
import org.springframework.boot.context.metrics.buffering.StartupTimeline;
import org.springframework.core.metrics.StartupStep;

/**
 * Where start-up time goes, when {@code CAREGRAPH_STARTUP_REPORT=N} is set: Spring's own start-up steps (bean
 * instantiations, context phases) recorded while {@code serve} starts, the N slowest printed on stderr once it is
 * ready. A step's time includes the steps nested in it (a bean includes the beans it needed first).
 */
final class StartupReport {
    private final BufferingApplicationStartup recorder = new BufferingApplicationStartup(50_000);
    private final int top;

    private StartupReport(int top) {
        this.top = top;
    }

    static StartupReport fromEnvironment() {
        String value = System.getenv("CAREGRAPH_STARTUP_REPORT");
        if (value == null || value.isBlank()) return null;
        try {
            return new StartupReport(Math.max(1, Integer.parseInt(value.strip())));
        } catch (NumberFormatException e) {
            return new StartupReport(25);
        }
    }

    BufferingApplicationStartup recorder() {
        return recorder;
    }

    void print(PrintStream out) {
        StartupTimeline timeline = recorder.getBufferedTimeline();
        out.println("Start-up steps, slowest " + top + " (duration ms, nested steps included; started at ms after "
                + "the application began):");
        timeline.getEvents().stream()
                .sorted(Comparator.comparing(StartupTimeline.TimelineEvent::getDuration).reversed())
                .limit(top)
                .forEach(e -> out.printf("%8d  @%6d  %s%s%n", e.getDuration().toMillis(),
                        java.time.Duration.between(timeline.getStartTime(), e.getStartTime()).toMillis(),
                        e.getStartupStep().getName(), tags(e.getStartupStep())));
    }

    private static String tags(StartupStep step) {
        StringBuilder text = new StringBuilder();
        for (StartupStep.Tag tag : step.getTags()) {
            if (tag.getKey().equals("beanName")) text.append(' ').append(tag.getValue());
        }
        return text.toString();
    }
}
