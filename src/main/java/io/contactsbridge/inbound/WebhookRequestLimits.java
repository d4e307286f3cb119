package io.contactsbridge.inbound;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Semaphore;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Transport limits of the webhook endpoints, applied before Camel sees the request (registered for their
 * paths only by {@link InboundConfiguration}):
 * <ul>
 *   <li>at most {@code bridge.inbound.max-concurrent-requests} POSTs are processed at once; one more is
 *       answered 429 at once (HighLevel retries 429s later) rather than queueing up;</li>
 *   <li>a body that is not declared {@code application/json} (a charset parameter is fine) is answered 415 before
 *       it is read: nothing else is ever sent by HighLevel or a BirdSend relay, and a form or multipart body would
 *       otherwise be parsed into parameters (and logged) by the layers below;</li>
 *   <li>a body over {@code bridge.inbound.max-body-size} is answered 413: at once when Content-Length says so,
 *       otherwise as soon as that many bytes have arrived, so no request can make the bridge buffer more.</li>
 * </ul>
 * The body is read here (bounded) and handed on unchanged, byte for byte, for signature checking: also as the
 * request attribute {@link #RAW_BODY}, which the routes read, so that no layer between can decode it with a
 * charset and change the bytes the signature covers.
 */
public class WebhookRequestLimits extends OncePerRequestFilter {

    /** Request attribute holding the body exactly as received (byte[]). */
    public static final String RAW_BODY = "io.contactsbridge.inbound.rawBody";

    private final Map<String, String> sourceByPath;
    private final int maxBody;
    private final Semaphore gate;
    private final InboundMetrics metrics;
    private final ObjectMapper json;

    public WebhookRequestLimits(Map<String, String> sourceByPath, InboundProperties props, InboundMetrics metrics,
                                ObjectMapper json) {
        this.sourceByPath = Map.copyOf(sourceByPath);
        this.maxBody = (int) props.maxBodySize().toBytes();
        this.gate = new Semaphore(props.maxConcurrentRequests());
        this.metrics = metrics;
        this.json = json;
    }

    /** Places left in the concurrency gate right now. */
    public int availablePlaces() {
        return gate.availablePermits();
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return !"POST".equalsIgnoreCase(request.getMethod()) || source(request) == null;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String source = source(request);
        if (!isJson(request.getContentType())) {
            refuse(response, source, IngressAnswer.refuse(415, "unsupported_media_type", "Send the body as JSON with "
                    + "Content-Type: application/json (a charset parameter is allowed); other content types are refused."));
            return;
        }
        if (request.getContentLengthLong() > maxBody) {
            refuse(response, source, tooLarge());
            return;
        }
        if (!gate.tryAcquire()) {
            refuse(response, source, IngressAnswer.retryLater("too_many_requests", "Too many webhook requests are being "
                    + "processed at once; retry later.", 5));
            return;
        }
        try {
            byte[] body = readAtMost(request.getInputStream(), maxBody);
            if (body == null) {
                refuse(response, source, tooLarge());
                return;
            }
            request.setAttribute(RAW_BODY, body);
            chain.doFilter(new BufferedBodyRequest(request, body), response);
        } finally {
            gate.release();
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

    /** The whole stream, or null when it holds more than {@code max} bytes (reading stops at max + 1). */
    static byte[] readAtMost(InputStream in, int max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 8192));
        byte[] buffer = new byte[8192];
        int total = 0;
        int n;
        while ((n = in.read(buffer, 0, (int) Math.min(buffer.length, (long) max + 1 - total))) > 0) {
            total += n;
            if (total > max) {
                return null;
            }
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
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
