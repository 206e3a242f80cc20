package org.caregraph.nlp;

/** A token of a text: character offsets [begin, end) and its lower-cased text (what rules match on). */
public record Token(int begin, int end, String lower) {
}
