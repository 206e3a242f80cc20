package org.caregraph.sql;

import ca.uhn.fhir.model.api.annotation.Block;
import ca.uhn.fhir.model.api.annotation.Child;
import ca.uhn.fhir.model.api.annotation.ResourceDef;
import ca.uhn.fhir.model.api.annotation.SearchParamDefinition;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.hl7.fhir.exceptions.FHIRException;
import org.hl7.fhir.r4.model.BackboneElement;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.Base64BinaryType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.ContactDetail;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.MarkdownType;
import org.hl7.fhir.r4.model.OidType;
import org.hl7.fhir.r4.model.PositiveIntType;
import org.hl7.fhir.r4.model.ResourceType;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.TimeType;
import org.hl7.fhir.r4.model.Type;
import org.hl7.fhir.r4.model.UnsignedIntType;
import org.hl7.fhir.r4.model.UriType;
import org.hl7.fhir.r4.model.UrlType;
import org.hl7.fhir.r4.model.UsageContext;
import org.hl7.fhir.r4.model.UuidType;

/**
 * SQL on FHIR v2's ViewDefinition as a HAPI resource type, so that ViewDefinitions are stored, versioned, read and
 * searched ({@code name}, {@code url}, {@code status}, {@code resource}) at {@code /fhir/ViewDefinition} like any
 * resource, parsed strictly (an unknown element or a wrong JSON type is a 422 naming it). The elements are the
 * spec's; what a view means is {@link ViewDefinition}'s to check and run, from the stored JSON.
 */
@ResourceDef(name = "ViewDefinition", profile = ViewDefinitionResource.PROFILE)
public class ViewDefinitionResource extends DomainResource {
    public static final String PROFILE = "https://sql-on-fhir.org/ig/StructureDefinition/ViewDefinition";

    @SearchParamDefinition(name = "name", path = "ViewDefinition.name", description = "The view's name (its table's)", type = "string")
    public static final String SP_NAME = "name";
    @SearchParamDefinition(name = "url", path = "ViewDefinition.url", description = "The view's canonical URL", type = "uri")
    public static final String SP_URL = "url";
    @SearchParamDefinition(name = "status", path = "ViewDefinition.status", description = "draft | active | retired | unknown", type = "token")
    public static final String SP_STATUS = "status";
    @SearchParamDefinition(name = "resource", path = "ViewDefinition.resource", description = "The resource type the view reads", type = "token")
    public static final String SP_RESOURCE = "resource";

    @Child(name = "url", order = 0) private UriType url;
    @Child(name = "identifier", order = 1) private Identifier identifier;
    @Child(name = "name", order = 2) private StringType name;
    @Child(name = "title", order = 3) private StringType title;
    @Child(name = "status", order = 4, min = 1) private CodeType status;
    @Child(name = "experimental", order = 5) private BooleanType experimental;
    @Child(name = "publisher", order = 6) private StringType publisher;
    @Child(name = "contact", order = 7, max = Child.MAX_UNLIMITED) private List<ContactDetail> contact;
    @Child(name = "description", order = 8) private MarkdownType description;
    @Child(name = "useContext", order = 9, max = Child.MAX_UNLIMITED) private List<UsageContext> useContext;
    @Child(name = "copyright", order = 10) private MarkdownType copyright;
    @Child(name = "resource", order = 11, min = 1) private CodeType resource;
    @Child(name = "fhirVersion", order = 12, max = Child.MAX_UNLIMITED) private List<CodeType> fhirVersion;
    @Child(name = "constant", order = 13, max = Child.MAX_UNLIMITED) private List<Constant> constant;
    @Child(name = "select", order = 14, min = 1, max = Child.MAX_UNLIMITED) private List<Select> select;
    @Child(name = "where", order = 15, max = Child.MAX_UNLIMITED) private List<Where> where;

    /** A constant the view's paths use as %name. */
    @Block
    public static class Constant extends BackboneElement {
        @Child(name = "name", order = 0, min = 1) private StringType name;
        @Child(name = "value", order = 1, min = 1, type = {Base64BinaryType.class, BooleanType.class, CanonicalType.class,
                CodeType.class, DateType.class, DateTimeType.class, DecimalType.class, IdType.class, InstantType.class,
                IntegerType.class, OidType.class, PositiveIntType.class, StringType.class, TimeType.class,
                UnsignedIntType.class, UriType.class, UrlType.class, UuidType.class})
        private Type value;

        @Override
        public Constant copy() {
            Constant c = new Constant();
            copyValues(c);
            c.name = copyOf(name);
            c.value = value == null ? null : value.copy();
            return c;
        }

        @Override
        public boolean isEmpty() {
            return super.isEmpty() && ca.uhn.fhir.util.ElementUtil.isEmpty(name, value);
        }
    }

    /** A selection: columns, nested selects, forEach / forEachOrNull / repeat, unionAll. */
    @Block
    public static class Select extends BackboneElement {
        @Child(name = "column", order = 0, max = Child.MAX_UNLIMITED) private List<Column> column;
        @Child(name = "select", order = 1, max = Child.MAX_UNLIMITED) private List<Select> select;
        @Child(name = "forEach", order = 2) private StringType forEach;
        @Child(name = "forEachOrNull", order = 3) private StringType forEachOrNull;
        @Child(name = "repeat", order = 4, max = Child.MAX_UNLIMITED) private List<StringType> repeat;
        @Child(name = "unionAll", order = 5, max = Child.MAX_UNLIMITED) private List<Select> unionAll;

        @Override
        public Select copy() {
            Select s = new Select();
            copyValues(s);
            s.column = copies(column, Column::copy);
            s.select = copies(select, Select::copy);
            s.forEach = copyOf(forEach);
            s.forEachOrNull = copyOf(forEachOrNull);
            s.repeat = copies(repeat, StringType::copy);
            s.unionAll = copies(unionAll, Select::copy);
            return s;
        }

        @Override
        public boolean isEmpty() {
            return super.isEmpty() && ca.uhn.fhir.util.ElementUtil.isEmpty(column, select, forEach, forEachOrNull, repeat, unionAll);
        }
    }

    /** An output column. */
    @Block
    public static class Column extends BackboneElement {
        @Child(name = "path", order = 0, min = 1) private StringType path;
        @Child(name = "name", order = 1, min = 1) private StringType name;
        @Child(name = "description", order = 2) private MarkdownType description;
        @Child(name = "collection", order = 3) private BooleanType collection;
        @Child(name = "type", order = 4) private UriType type;
        @Child(name = "tag", order = 5, max = Child.MAX_UNLIMITED) private List<Tag> tag;

        @Override
        public Column copy() {
            Column c = new Column();
            copyValues(c);
            c.path = copyOf(path);
            c.name = copyOf(name);
            c.description = description == null ? null : description.copy();
            c.collection = collection == null ? null : collection.copy();
            c.type = type == null ? null : type.copy();
            c.tag = copies(tag, Tag::copy);
            return c;
        }

        @Override
        public boolean isEmpty() {
            return super.isEmpty() && ca.uhn.fhir.util.ElementUtil.isEmpty(path, name, description, collection, type, tag);
        }
    }

    /** A column's tag (ansi/type...). */
    @Block
    public static class Tag extends BackboneElement {
        @Child(name = "name", order = 0, min = 1) private StringType name;
        @Child(name = "value", order = 1, min = 1) private StringType value;

        @Override
        public Tag copy() {
            Tag t = new Tag();
            copyValues(t);
            t.name = copyOf(name);
            t.value = copyOf(value);
            return t;
        }

        @Override
        public boolean isEmpty() {
            return super.isEmpty() && ca.uhn.fhir.util.ElementUtil.isEmpty(name, value);
        }
    }

    /** A condition a resource must meet to have rows. */
    @Block
    public static class Where extends BackboneElement {
        @Child(name = "path", order = 0, min = 1) private StringType path;
        @Child(name = "description", order = 1) private StringType description;

        @Override
        public Where copy() {
            Where w = new Where();
            copyValues(w);
            w.path = copyOf(path);
            w.description = copyOf(description);
            return w;
        }

        @Override
        public boolean isEmpty() {
            return super.isEmpty() && ca.uhn.fhir.util.ElementUtil.isEmpty(path, description);
        }
    }

    @Override
    public ViewDefinitionResource copy() {
        ViewDefinitionResource v = new ViewDefinitionResource();
        copyValues(v);
        v.url = url == null ? null : url.copy();
        v.identifier = identifier == null ? null : identifier.copy();
        v.name = copyOf(name);
        v.title = copyOf(title);
        v.status = status == null ? null : status.copy();
        v.experimental = experimental == null ? null : experimental.copy();
        v.publisher = copyOf(publisher);
        v.contact = copies(contact, ContactDetail::copy);
        v.description = description == null ? null : description.copy();
        v.useContext = copies(useContext, UsageContext::copy);
        v.copyright = copyright == null ? null : copyright.copy();
        v.resource = resource == null ? null : resource.copy();
        v.fhirVersion = copies(fhirVersion, CodeType::copy);
        v.constant = copies(constant, Constant::copy);
        v.select = copies(select, Select::copy);
        v.where = copies(where, Where::copy);
        return v;
    }

    @Override
    public boolean isEmpty() {
        return super.isEmpty() && ca.uhn.fhir.util.ElementUtil.isEmpty(url, identifier, name, title, status, experimental,
                publisher, contact, description, useContext, copyright, resource, fhirVersion, constant, select, where);
    }

    @Override
    public ResourceType getResourceType() {
        // not one of R4's types: HAPI's own custom resources answer null here
        return null;
    }

    @Override
    public String fhirType() {
        return "ViewDefinition";
    }

    /** The elements the search parameters' FHIRPath reads ({@code ViewDefinition.name} ...). */
    @Override
    public Base[] getProperty(int hash, String property, boolean checkValid) throws FHIRException {
        return switch (property) {
            case "url" -> url == null ? new Base[0] : new Base[] {url};
            case "name" -> name == null ? new Base[0] : new Base[] {name};
            case "title" -> title == null ? new Base[0] : new Base[] {title};
            case "status" -> status == null ? new Base[0] : new Base[] {status};
            case "resource" -> resource == null ? new Base[0] : new Base[] {resource};
            default -> super.getProperty(hash, property, checkValid);
        };
    }

    private static StringType copyOf(StringType s) {
        return s == null ? null : s.copy();
    }

    private static <T> List<T> copies(List<T> list, UnaryOperator<T> copy) {
        if (list == null) return null;
        List<T> out = new ArrayList<>(list.size());
        for (T t : list) out.add(copy.apply(t));
        return out;
    }
}
