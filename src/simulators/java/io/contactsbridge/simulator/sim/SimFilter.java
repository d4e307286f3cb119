package io.contactsbridge.simulator.sim;

import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * A step around every routed API call (and, if registered with {@link SimServer#filterAll}, around
 * unmatched 404/405 requests too; never around admin calls), e.g. rate limiting, authentication, a
 * Version-header check. Filters run in registration order, the first
 * registered being outermost; a filter either returns its own response (short-circuit) or calls
 * {@code next.proceed(request)} and may decorate what comes back.
 *
 * <p>Because the handler's exceptions are already turned into responses before they reach the
 * filters, a filter that decorates {@code next.proceed(...)} decorates every answer, including
 * errors, auth failures from filters further in, and injected faults (unless the fault filter was
 * placed outside it, see {@link SimServer#faultFilter()}).
 */
@FunctionalInterface
public interface SimFilter {

    SimResponse filter(SimRequest request, Chain next) throws Exception;

    /** The rest of the pipeline: the remaining filters, then the fault stage and the handler. */
    @FunctionalInterface
    interface Chain {
        SimResponse proceed(SimRequest request) throws Exception;
    }

    /** A pre-check: return a response to short-circuit, or {@code null} to continue. */
    static SimFilter before(Function<SimRequest, SimResponse> check) {
        return (request, next) -> {
            SimResponse early = check.apply(request);
            return early != null ? early : next.proceed(request);
        };
    }

    /** A post-step applied to every response produced further in (including short-circuits). */
    static SimFilter after(BiFunction<SimRequest, SimResponse, SimResponse> decorate) {
        return (request, next) -> decorate.apply(request, next.proceed(request));
    }
}
