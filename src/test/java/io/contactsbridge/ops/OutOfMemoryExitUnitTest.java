package io.contactsbridge.ops;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import jakarta.servlet.ServletException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The safety net's decision, with halting replaced: an OutOfMemoryError anywhere in the causes halts, nothing else. */
class OutOfMemoryExitUnitTest {

    private final List<Integer> halts = new ArrayList<>();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void replaceHalting() {
        OutOfMemoryExit.useForTests(halts::add, new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreHalting() {
        OutOfMemoryExit.restoreDefaults();
    }

    @Test
    void anOutOfMemoryErrorItselfOrAsACauseHaltsWithStatusThree() {
        OutOfMemoryExit.haltIfOutOfMemory(new OutOfMemoryError("Java heap space"), "thread test");
        OutOfMemoryExit.haltIfOutOfMemory(new ServletException("Handler dispatch failed",
                new RuntimeException(new OutOfMemoryError("Metaspace"))), "web request");

        assertThat(halts).containsExactly(3, 3);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("FATAL: OutOfMemoryError; halting the JVM (exit status 3)")
                .contains("In: thread test").contains("In: web request");
    }

    @Test
    void otherFailuresDoNotHalt() {
        OutOfMemoryExit.haltIfOutOfMemory(new StackOverflowError(), "thread test");
        OutOfMemoryExit.haltIfOutOfMemory(new IllegalStateException("boom", new RuntimeException()), "Camel route x");
        OutOfMemoryExit.haltIfOutOfMemory(null, "nothing");

        assertThat(halts).isEmpty();
        assertThat(err.size()).isZero();
    }
}
