package org.caregraph.graph;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Starts the embedded Neo4j (and its schema) at the very beginning of every application context, on a thread of its
 * own, so that it comes up while the context builds everything else: it is the longest single step of a start. The
 * store is a singleton bean {@code embeddedNeo4j} whose users wait for it only when they need the database
 * ({@link EmbeddedNeo4j#awaitStarted()}; {@link GraphSchema} does, so the context is not ready before the store). It
 * is stopped with the context's singletons, also when the context fails to start. With NEO4J_URI set, nothing is started.
 * Registered in META-INF/spring.factories.
 */
public class EmbeddedNeo4jStarter implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        Neo4jProperties props = Binder.get(context.getEnvironment()).bindOrCreate("caregraph.neo4j", Neo4jProperties.class);
        if (!props.embedded()) return;
        EmbeddedNeo4j store = EmbeddedNeo4j.startInBackground(props, db -> GraphSchema.applyInProcess(db, "schema"));
        var beans = context.getBeanFactory();
        beans.registerSingleton("embeddedNeo4j", store);
        if (beans instanceof org.springframework.beans.factory.support.DefaultSingletonBeanRegistry registry) {
            registry.registerDisposableBean("embeddedNeo4j", store::close);
        }
    }
}
