package org.caregraph.graph;

import org.caregraph.security.AccessContext;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.stereotype.Component;

/**
 * What a serving instance finishes first after a crash (SIGKILL, power loss): the writer relinks encounter chains in
 * their own transactions after the writes that marked them (journeyDirty), so a crash between the two leaves marks
 * behind; they are relinked at startup (one index lookup when there are none). Not in one-shot commands: check reports
 * the store as it finds it.
 */
@Component
@ConditionalOnWebApplication
class StartupRecovery implements ApplicationListener<ApplicationReadyEvent> {
    private final GraphWriter writer;

    StartupRecovery(GraphWriter writer) {
        this.writer = writer;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        writer.recoverJourneys(AccessContext.service("recovery"));
    }
}
