package org.caregraph.graphql;

import graphql.ErrorClassification;
import graphql.ExecutionResult;
import graphql.GraphQLError;
import graphql.analysis.MaxQueryComplexityInstrumentation;
import graphql.analysis.MaxQueryDepthInstrumentation;
import graphql.execution.instrumentation.Instrumentation;
import graphql.execution.instrumentation.InstrumentationContext;
import graphql.execution.instrumentation.InstrumentationState;
import graphql.execution.instrumentation.parameters.InstrumentationExecuteOperationParameters;
import graphql.language.Field;
import graphql.language.OperationDefinition;
import java.util.LinkedHashMap;
import java.util.Map;
import org.neo4j.driver.exceptions.Neo4jException;
import org.caregraph.security.Access;
import org.caregraph.security.AccessViolationException;
import org.caregraph.security.WriteRefusedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.graphql.data.method.annotation.support.AnnotatedControllerConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.validation.BindException;
import org.springframework.graphql.execution.DataFetcherExceptionResolver;
import org.springframework.graphql.execution.ErrorType;
import org.springframework.graphql.server.WebGraphQlInterceptor;

/**
 * Limits and errors of the GraphQL API: depth and complexity are checked before a query runs, every read has the
 * database's timeout (GraphReader), and every error carries {@code extensions.code}. Messages never echo stored data.
 */
@Configuration
class GraphQlConfig {
    private static final Logger log = LoggerFactory.getLogger(GraphQlConfig.class);

    /**
     * Resolvers run on the request's own thread. Spring Boot hands Spring GraphQL its task executor, which then runs
     * every blocking controller method (all of ours: they read through the driver) on another thread; the request then
     * completes asynchronously, and the servlet container dispatches it a second time (the whole filter chain, token
     * check included), which is most of a trivial query's time on a busy machine. {@code
     * caregraph.graphql.resolvers-on-request-thread=false} restores Spring's default, to measure the difference
     * ({@code bench-api --suite overhead}).
     */
    @Bean
    static BeanPostProcessor resolversOnTheRequestThread(Environment env) {
        boolean onRequestThread = env.getProperty("caregraph.graphql.resolvers-on-request-thread", Boolean.class, true);
        return new BeanPostProcessor() {
            @Override
            public Object postProcessBeforeInitialization(Object bean, String name) {
                if (onRequestThread && bean instanceof AnnotatedControllerConfigurer configurer) {
                    configurer.setBlockingMethodPredicate(m -> false);
                }
                return bean;
            }
        };
    }

    /**
     * Depth is checked before a query runs; a pure introspection query has its own bound, because GraphiQL's (the
     * schema behind its Docs pane) nests type references 13 deep.
     */
    @Bean
    Instrumentation maxQueryDepth(@Value("${caregraph.graphql.max-depth:12}") int depth,
                                  @Value("${caregraph.graphql.max-introspection-depth:15}") int introspectionDepth) {
        MaxQueryDepthInstrumentation introspection = new MaxQueryDepthInstrumentation(introspectionDepth);
        return new MaxQueryDepthInstrumentation(depth) {
            @Override
            public InstrumentationContext<ExecutionResult> beginExecuteOperation(InstrumentationExecuteOperationParameters parameters,
                                                                                 InstrumentationState state) {
                return introspectionOnly(parameters.getExecutionContext().getOperationDefinition())
                        ? introspection.beginExecuteOperation(parameters, state) : super.beginExecuteOperation(parameters, state);
            }
        };
    }

    private static boolean introspectionOnly(OperationDefinition operation) {
        return operation.getSelectionSet().getSelections().stream()
                .allMatch(s -> s instanceof Field f && f.getName().startsWith("__"));
    }

    @Bean
    Instrumentation maxQueryComplexity(@Value("${caregraph.graphql.max-complexity:500}") int complexity) {
        return new MaxQueryComplexityInstrumentation(complexity);
    }

    @Bean
    DataFetcherExceptionResolver caregraphErrors() {
        return DataFetcherExceptionResolver.forSingleError((ex, env) -> {
            GraphQlRequestException refused = ex instanceof GraphQlRequestException e ? e
                    : ex instanceof BindException e ? new GraphQlRequestException("BAD_ARGUMENT",
                            "invalid argument: " + e.getFieldErrors().stream().map(f -> f.getField()).toList())
                    // Spring's cursor decoding reports a cursor that is not one of ours like this
                    : ex instanceof IllegalArgumentException e && e.getMessage() != null && e.getMessage().contains("cursor")
                    ? new GraphQlRequestException("BAD_ARGUMENT", "after is not a cursor of this list") : null;
            if (refused != null) {
                return GraphQLError.newError().errorType(ErrorType.BAD_REQUEST).message(refused.getMessage())
                        .path(env.getExecutionStepInfo().getPath()).location(env.getField().getSourceLocation())
                        .extensions(Map.of("code", refused.code())).build();
            }
            if (ex instanceof AccessViolationException || ex instanceof Access.NoAccessContextException) {
                log.error("GraphQL field {} refused after reading: {}", env.getExecutionStepInfo().getPath(), ex.getMessage());
                return GraphQLError.newError().errorType(ErrorType.INTERNAL_ERROR).message("internal error")
                        .path(env.getExecutionStepInfo().getPath()).extensions(Map.of("code", "INTERNAL_ERROR")).build();
            }
            if (ex instanceof WriteRefusedException e) {
                return GraphQLError.newError().errorType(ErrorType.FORBIDDEN).message(e.hidden() ? "not found" : e.getMessage())
                        .path(env.getExecutionStepInfo().getPath())
                        .extensions(Map.of("code", e.hidden() ? "NOT_FOUND" : "FORBIDDEN")).build();
            }
            if (ex instanceof Neo4jException e && e.code() != null && e.code().contains("TransactionTimedOut")) {
                return GraphQLError.newError().errorType(ErrorType.INTERNAL_ERROR)
                        .message("the query took longer than the read timeout and was stopped")
                        .path(env.getExecutionStepInfo().getPath()).extensions(Map.of("code", "TIMEOUT")).build();
            }
            // schema names only: the path would carry the client's aliases, part of the query text
            log.error("GraphQL field {}.{} failed", env.getExecutionStepInfo().getObjectType().getName(),
                    env.getFieldDefinition().getName(), ex);
            return null;
        });
    }

    /** Every resolver reads with the caller's access context (GraphQlAccess). */
    @Bean
    WebGraphQlInterceptor accessContext() {
        return GraphQlAccess.interceptor();
    }

    /** Gives every error a code, including graphql-java's own (parse, validation, limits). */
    @Bean
    WebGraphQlInterceptor errorCodes() {
        return (request, chain) -> chain.next(request).map(response -> response.transform(b -> b.errors(
                response.getExecutionResult().getErrors().stream().map(GraphQlConfig::withCode).toList())));
    }

    private static GraphQLError withCode(GraphQLError error) {
        Map<String, Object> ext = error.getExtensions() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(error.getExtensions());
        if (ext.containsKey("code")) return error;
        ext.put("code", code(error.getErrorType(), error.getMessage()));
        return GraphQLError.newError().message(error.getMessage()).locations(error.getLocations())
                .path(error.getPath()).errorType(error.getErrorType()).extensions(ext).build();
    }

    private static String code(ErrorClassification type, String message) {
        if (type == null) return "INTERNAL_ERROR";
        return switch (type.toString()) {
            case "InvalidSyntax" -> "GRAPHQL_PARSE_FAILED";
            case "ValidationError" -> "GRAPHQL_VALIDATION_FAILED";
            case "ExecutionAborted" -> message != null && (message.contains("depth") || message.contains("complexity"))
                    ? "QUERY_TOO_COMPLEX" : "ABORTED";
            case "BAD_REQUEST" -> "BAD_REQUEST";
            case "NOT_FOUND" -> "NOT_FOUND";
            case "UNAUTHORIZED", "FORBIDDEN" -> type.toString();
            default -> "INTERNAL_ERROR";
        };
    }
}
