package io.contactsbridge.ops;

import java.util.ArrayList;
import java.util.List;

import org.apache.camel.builder.RouteBuilder;

/**
 * Test only, never in the application: routes that run out of memory on request, for {@code OutOfMemoryExitTest}. A
 * child bridge gets it with {@code --spring.main.sources=} and a class path folder that holds this class alone, so no
 * other launch (and no component scan: it is not a component) ever has it.
 *
 * <ul>
 *   <li>{@code GET /test/out-of-memory/route}: allocates in the route, where Camel catches the error for its error
 *       handler (the way an OutOfMemoryError in a listing or a poll went unnoticed);</li>
 *   <li>{@code GET /test/out-of-memory/thread}: allocates in a thread of its own, which the error ends.</li>
 * </ul>
 */
public class OutOfMemoryTrigger extends RouteBuilder {

    @Override
    public void configure() {
        from("platform-http:/test/out-of-memory/route?httpMethodRestrict=GET").routeId("test-out-of-memory-route")
                .process(exchange -> exchange.getMessage().setBody(allocateUntilOutOfMemory()));
        from("platform-http:/test/out-of-memory/thread?httpMethodRestrict=GET").routeId("test-out-of-memory-thread")
                .process(exchange -> {
                    new Thread(OutOfMemoryTrigger::allocateUntilOutOfMemory, "test-out-of-memory").start();
                    exchange.getMessage().setBody("allocating");
                });
    }

    private static int allocateUntilOutOfMemory() {
        List<byte[]> hog = new ArrayList<>();
        while (true) {
            hog.add(new byte[1 << 20]);
        }
    }
}
