package org.caregraph.graphql;

import graphql.GraphQLContext;
import graphql.schema.DataFetchingEnvironment;
import org.caregraph.security.Access;
import org.caregraph.security.AccessContext;
import org.springframework.graphql.server.WebGraphQlInterceptor;

/**
 * The request's {@link AccessContext} inside GraphQL: taken once on the request thread ({@link #interceptor}) and
 * carried in the GraphQL context, so that every resolver, nested ones and batch loaders on other threads included,
 * reads with the caller's context explicitly.
 */
final class GraphQlAccess {
    private static final String KEY = AccessContext.class.getName();

    private GraphQlAccess() {
    }

    static WebGraphQlInterceptor interceptor() {
        return (request, chain) -> {
            AccessContext access = Access.current();
            request.configureExecutionInput((input, builder) -> builder.graphQLContext(c -> c.put(KEY, access)).build());
            return chain.next(request);
        };
    }

    static AccessContext of(DataFetchingEnvironment env) {
        return of(env.getGraphQlContext());
    }

    static AccessContext of(GraphQLContext context) {
        AccessContext access = context.get(KEY);
        if (access == null) throw new Access.NoAccessContextException();
        return access;
    }

    /**
     * The context population analytics read with; FORBIDDEN unless the caller holds an analytics scope at user or
     * system level.
     */
    static AccessContext analytics(DataFetchingEnvironment env) {
        AccessContext population = of(env).forAggregates();
        if (population == null) {
            throw new GraphQlRequestException("FORBIDDEN", "population analytics need user/caregraph.analytics or "
                    + "system/caregraph.analytics");
        }
        return population;
    }
}
