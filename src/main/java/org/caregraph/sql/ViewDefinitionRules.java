package org.caregraph.sql;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.caregraph.graph.FhirCustomType;
import org.caregraph.graph.InvalidResourceException;
import org.caregraph.graph.ResourceValidator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * ViewDefinition is a resource type CareGraph stores ({@link ViewDefinitionResource}), and one that must make sense to
 * be stored: it must compile ({@link ViewDefinition}), and an active one becomes a table, so it needs a plain SQL name
 * no built-in view has. Checked on every write path; a broken view is a 422 naming the element.
 */
@Configuration(proxyBeanMethods = false)
class ViewDefinitionRules {
    @Bean
    FhirCustomType viewDefinitionType() {
        return new FhirCustomType("ViewDefinition", ViewDefinitionResource.class);
    }

    @Bean
    ResourceValidator viewDefinitionValidator(ViewCompiler compiler, BuiltInViews builtIns) {
        return (type, resource) -> {
            if ("ViewDefinition".equals(type)) validate(compiler, builtIns.views(), resource);
        };
    }

    static void validate(ViewCompiler compiler, List<ViewTable> builtIns, ObjectNode resource) {
        try {
            ViewDefinition view = compiler.compile(resource);
            if (!"active".equals(resource.path("status").asText())) return;
            ViewTable table = ViewTable.of(view, resource, "ViewDefinition/" + resource.path("id").asText());
            for (ViewTable b : builtIns) {
                if (b.name().equals(table.name())) {
                    throw new ViewException("name '" + view.name() + "' is the built-in view " + b.source()
                            + "; choose another", "ViewDefinition.name");
                }
            }
        } catch (ViewException e) {
            throw new InvalidResourceException("invalid", e.getMessage(), e.element());
        }
    }
}
