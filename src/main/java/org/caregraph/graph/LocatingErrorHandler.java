package org.caregraph.graph;

import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.parser.StrictErrorHandler;
import ca.uhn.fhir.parser.json.BaseJsonLikeValue;

/** HAPI's strict parsing, with the enclosing element named in each message so an error report says where. */
final class LocatingErrorHandler extends StrictErrorHandler {

    private static void located(IParseLocation location, Runnable strict) {
        try {
            strict.run();
        } catch (DataFormatException e) {
            String parent = location == null ? null : location.getParentElementName();
            throw parent == null ? e : new DataFormatException(e.getMessage() + " (in element '" + parent + "')", e);
        }
    }

    @Override
    public void unknownElement(IParseLocation location, String name) {
        located(location, () -> super.unknownElement(location, name));
    }

    @Override
    public void unknownAttribute(IParseLocation location, String name) {
        located(location, () -> super.unknownAttribute(location, name));
    }

    @Override
    public void invalidValue(IParseLocation location, String value, String error) {
        located(location, () -> super.invalidValue(location, value, error));
    }

    @Override
    public void unexpectedRepeatingElement(IParseLocation location, String name) {
        located(location, () -> super.unexpectedRepeatingElement(location, name));
    }

    @Override
    public void incorrectJsonType(IParseLocation location, String name, BaseJsonLikeValue.ValueType expected,
                                  BaseJsonLikeValue.ScalarType expectedScalar, BaseJsonLikeValue.ValueType found,
                                  BaseJsonLikeValue.ScalarType foundScalar) {
        located(location, () -> super.incorrectJsonType(location, name, expected, expectedScalar, found, foundScalar));
    }
}
