package org.caregraph.cli;

import java.io.PrintStream;

/** A command's output and error streams: the process's, or a test's. */
abstract class Printing {
    PrintStream out = System.out;
    PrintStream err = System.err;
}
