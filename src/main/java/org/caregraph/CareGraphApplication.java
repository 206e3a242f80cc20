package org.caregraph;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/** Spring wiring; the process entry point is {@link org.caregraph.cli.Main}, which picks the command. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class CareGraphApplication {
}
