package io.contactsbridge.ingress;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;

/**
 * Transport limits of the webhook endpoints, applied before Camel sees the request (registered for their
 * paths only by {@link IngressConfiguration}, for the request and the async dispatch):
 * <ul>
 *   <li>a body that is not declared {@code application/json} (a charset parameter is fine) is answered 415 before
 *       it is read: nothing else is ever sent by HighLevel or a BirdSend relay, and a form or multipart body would
 *       otherwise be parsed into parameters (and logged) by the layers below;</li>
 *   <li>the body is read <em>without holding a thread</em> (Servlet non-blocking IO) and must arrive whole within
 *       {@code bridge.inbound.body-read-timeout}; a slow or stalled sender is answered 408 and its connection
 *       closed. So a client that trickles or withholds its body costs a socket, never a worker thread or a
 *       processing place, and cannot make valid webhooks wait;</li>
 *   <li>one client address may have at most {@code bridge.inbound.max-requests-per-address} requests in flight
 *       (being read or processed); one more is answered 429 at once;</li>
 *   <li>a body over {@code bridge.inbound.max-body-size} is answered 413: at once when Content-Length says so,
 *       otherwise as soon as that many bytes have arrived, so no request can make the bridge buffer more;</li>
 *   <li>only a request whose whole body has arrived takes one of the {@code bridge.inbound.max-concurrent-requests}
 *       processing places, until its answer is written; when none is free it is answered 429 at once (HighLevel
 *       retries 429s later) rather than queueing up.</li>
 * </ul>
 * The body is handed on unchanged, byte for byte, for signature checking: also as the request attribute
 * {@link #RAW_BODY}, which the routes read, so that no layer between can decode it with a charset and change the
 * bytes the signature covers.
 */
public class WebhookRequestLimits implements Filter {

    /** Request attribute holding the body exactly as received (byte[]). */
    public static final String RAW_BODY = "io.contactsbridge.ingress.rawBody";
    private static final String PROCESSING = "io.contactsbridge.ingress.processing";

    private final Map<String, String> sourceByPath;
    private final int maxBody;
    private final long readTimeoutMillis;
    private final int perAddress;
    private final Semaphore gate;
    private final ConcurrentHashMap<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final IngressMetrics metrics;
    private final ObjectMapper json;

    public WebhookRequestLimits(Map<String, String> sourceByPath, IngressProperties props, IngressMetrics metrics,
                                ObjectMapper json) {
        this.sourceByPath = Map.copyOf(sourceByPath);
        this.maxBody = (int) props.maxBodySize().toBytes();
        this.readTimeoutMillis = props.bodyReadTimeout().toMillis();
        this.perAddress = props.maxRequestsPerAddress();
        this.gate = new Semaphore(props.maxConcurrentRequests());
        this.metrics = metrics;
        this.json = json;
    }

    /** Places left in the processing gate right now. */
    public int availablePlaces() {
        return gate.availablePermits();
    }

    /** Requests of this client address in flight right now (being read or processed). */
    public int inFlight(String address) {
        AtomicInteger n = inFlight.get(address);
        return n == null ? 0 : n.get();
    }

    @Override
    public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain) throws IOException, ServletException {
        HttpServletRequest request = (HttpServletRequest) req;
        HttpServletResponse response = (HttpServletResponse) res;
        String source = "POST".equalsIgnoreCase(request.getMethod()) ? source(request) : null;
        if (source == null) {
            chain.doFilter(req, res);
            return;
        }
        if (request.getDispatcherType() == DispatcherType.ASYNC) {
            if (request.getAttribute(RAW_BODY) instanceof byte[] body && request.getAttribute(PROCESSING) == null) {
                request.setAttribute(PROCESSING, Boolean.TRUE);
                process(request, response, chain, source, body);
            } else {
                chain.doFilter(req, res); // the answer being written after processing (Spring MVC's async result)
            }
            return;
        }
        if (request.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(req, res);
            return;
        }
        if (!isJson(request.getContentType())) {
            refuse(response, source, IngressAnswer.refuse(415, "unsupported_media_type", "Send the body as JSON with "
                    + "Content-Type: application/json (a charset parameter is allowed); other content types are refused."));
            return;
        }
        if (request.getContentLengthLong() > maxBody) {
            refuse(response, source, tooLarge());
            return;
        }
        String address = request.getRemoteAddr();
        if (!enter(address)) {
            refuse(response, source, IngressAnswer.retryLater("too_many_requests_from_address", "Too many webhook "
                    + "requests from this address are in flight at once; retry later.", 5));
            return;
        }
        AsyncContext async = request.startAsync(request, response);
        async.setTimeout(readTimeoutMillis);
        BodyReader reader = new BodyReader(async, request.getInputStream(), source, address);
        async.addListener(reader);
        request.getInputStream().setReadListener(reader);
    }

    /** The whole body is here: take a processing place (or 429), hand the request on, free the place when answered. */
    private void process(HttpServletRequest request, HttpServletResponse response, FilterChain chain, String source,
                         byte[] body) throws IOException, ServletException {
        String address = request.getRemoteAddr();
        if (!gate.tryAcquire()) {
            leave(address);
            refuse(response, source, IngressAnswer.retryLater("too_many_requests", "Too many webhook requests are being "
                    + "processed at once; retry later.", 5));
            return;
        }
        Runnable done = once(() -> {
            gate.release();
            leave(address);
        });
        try {
            chain.doFilter(new BufferedBodyRequest(request, body), response);
        } catch (IOException | ServletException | RuntimeException e) {
            done.run();
            throw e;
        }
        if (request.isAsyncStarted()) {
            // Camel answers asynchronously: the place is held until the answer is written.
            request.getAsyncContext().addListener(new AsyncListener() {
                @Override
                public void onComplete(AsyncEvent event) {
                    done.run();
                }

                @Override
                public void onTimeout(AsyncEvent event) {
                    done.run();
                }

                @Override
                public void onError(AsyncEvent event) {
                    done.run();
                }

                @Override
                public void onStartAsync(AsyncEvent event) {
                    event.getAsyncContext().addListener(this);
                }
            });
        } else {
            done.run();
        }
    }

    private boolean enter(String address) {
        AtomicInteger n = inFlight.computeIfAbsent(address, a -> new AtomicInteger());
        if (n.incrementAndGet() > perAddress) {
            leave(address);
            return false;
        }
        return true;
    }

    private void leave(String address) {
        inFlight.computeIfPresent(address, (a, n) -> n.decrementAndGet() <= 0 ? null : n);
    }

    private static Runnable once(Runnable action) {
        AtomicBoolean ran = new AtomicBoolean();
        return () -> {
            if (ran.compareAndSet(false, true)) {
                action.run();
            }
        };
    }

    /**
     * Collects the body as it arrives, on whichever container thread has data, and dispatches the request again
     * once it is complete; answers 413 past the size limit and 408 when the read deadline passes first.
     */
    private final class BodyReader implements ReadListener, AsyncListener {
        private final AsyncContext async;
        private final ServletInputStream in;
        private final String source;
        private final String address;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream(1024);
        private final byte[] buffer = new byte[8192];
        private boolean finished;

        BodyReader(AsyncContext async, ServletInputStream in, String source, String address) {
            this.async = async;
            this.in = in;
            this.source = source;
            this.address = address;
        }

        @Override
        public synchronized void onDataAvailable() throws IOException {
            while (!finished && in.isReady()) {
                int n = in.read(buffer);
                if (n < 0) {
                    return; // onAllDataRead follows
                }
                if (body.size() + n > maxBody) {
                    end(tooLarge());
                    return;
                }
                body.write(buffer, 0, n);
            }
        }

        @Override
        public synchronized void onAllDataRead() {
            if (finished) {
                return;
            }
            finished = true;
            async.getRequest().setAttribute(RAW_BODY, body.toByteArray());
            async.dispatch();
        }

        @Override
        public synchronized void onError(Throwable t) {
            if (!finished) {
                finished = true;
                leave(address);
                async.complete();
            }
        }

        @Override
        public synchronized void onTimeout(AsyncEvent event) throws IOException {
            if (!finished) {
                end(IngressAnswer.refuse(408, "request_timeout", "The body did not arrive within "
                        + readTimeoutMillis + " ms (bridge.inbound.body-read-timeout); send it in one go."));
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onError(AsyncEvent event) {
            onError(event.getThrowable());
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }

        /** Answers without reading the rest, and closes the connection: what is left of the body is not wanted. */
        private void end(IngressAnswer answer) throws IOException {
            finished = true;
            leave(address);
            HttpServletResponse response = (HttpServletResponse) async.getResponse();
            response.setHeader("Connection", "close");
            refuse(response, source, answer);
            async.complete();
        }
    }

    /** application/json or a +json type, with or without parameters, in any letter case. */
    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        int semicolon = contentType.indexOf(';');
        String type = (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(java.util.Locale.ROOT);
        return type.equals("application/json") || (type.startsWith("application/") && type.endsWith("+json"));
    }

    /** The charset the Content-Type names, or UTF-8 (JSON's default) when it names none or an unknown one. */
    public static Charset charsetOf(String contentType) {
        if (contentType != null) {
            for (String param : contentType.split(";")) {
                String p = param.trim();
                if (p.regionMatches(true, 0, "charset=", 0, 8)) {
                    try {
                        return Charset.forName(p.substring(8).trim().replace("\"", ""));
                    } catch (RuntimeException unknown) {
                        return StandardCharsets.UTF_8;
                    }
                }
            }
        }
        return StandardCharsets.UTF_8;
    }

    private IngressAnswer tooLarge() {
        return IngressAnswer.refuse(413, "payload_too_large", "The body is larger than " + maxBody + " bytes, the most "
                + "this endpoint accepts (bridge.inbound.max-body-size).");
    }

    private String source(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return sourceByPath.get(path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path);
    }

    private void refuse(HttpServletResponse response, String source, IngressAnswer answer) throws IOException {
        metrics.record(source, answer);
        response.setStatus(answer.status());
        response.setContentType("application/json");
        response.setHeader("Cache-Control", "no-store");
        if (answer.retryAfterSeconds() != null) {
            response.setHeader("Retry-After", String.valueOf(answer.retryAfterSeconds()));
        }
        response.getOutputStream().write(json.writeValueAsBytes(answer.body()));
    }

    /** The request with its body already read into memory. */
    static final class BufferedBodyRequest extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedBodyRequest(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            ByteArrayInputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public int read() {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) {
                    return in.read(b, off, len);
                }

                @Override
                public boolean isFinished() {
                    return in.available() == 0;
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("the body is already in memory");
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            String encoding = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(getInputStream(),
                    encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding)));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
