package io.contactsbridge.auth;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * An OAuth token endpoint for tests, on a JDK HTTP server at port 0. By default it behaves like
 * HighLevel and BirdSend: it accepts one authorization code, issues distinctive tokens and rotates
 * the refresh token (only the latest one is accepted, anything else gets 400 invalid_grant). Tests
 * can slow it down or replace its answers, and read every form it received.
 */
final class FakeTokenEndpoint implements AutoCloseable {

    record Reply(int status, String json) {
    }

    private final HttpServer server;
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<Map<String, String>> requests = Collections.synchronizedList(new ArrayList<>());
    private final List<String> issued = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger generation = new AtomicInteger();
    private volatile String acceptedCode = "the-authorization-code";
    private volatile String currentRefresh;
    private volatile long expiresIn = 86399;
    private volatile Duration delay = Duration.ZERO;
    private volatile Function<Map<String, String>, Reply> override;
    private volatile String locationId = "loc-1";

    private FakeTokenEndpoint(HttpServer server) {
        this.server = server;
    }

    static FakeTokenEndpoint start() {
        try {
            HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            FakeTokenEndpoint fake = new FakeTokenEndpoint(s);
            s.createContext("/oauth/token", fake::handle);
            s.setExecutor(fake.threads);
            s.start();
            return fake;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    String tokenUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/oauth/token";
    }

    String authorizeUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/oauth/authorize";
    }

    /** Seeds the refresh token the endpoint currently accepts (as if issued earlier). */
    void acceptRefreshToken(String refreshToken) {
        this.currentRefresh = refreshToken;
    }

    void acceptCode(String code) {
        this.acceptedCode = code;
    }

    void expiresIn(long seconds) {
        this.expiresIn = seconds;
    }

    void locationId(String locationId) {
        this.locationId = locationId;
    }

    /** Every answer waits this long first, so concurrent callers overlap. */
    void delay(Duration delay) {
        this.delay = delay;
    }

    /** Answers every call with {@code reply} instead of issuing tokens; null restores normal behaviour. */
    void override(Function<Map<String, String>, Reply> reply) {
        this.override = reply;
    }

    List<Map<String, String>> requests() {
        synchronized (requests) {
            return List.copyOf(requests);
        }
    }

    long calls(String grantType) {
        return requests().stream().filter(r -> grantType.equals(r.get("grant_type"))).count();
    }

    /** Every access and refresh token this endpoint issued, for leak checks. */
    List<String> issuedTokens() {
        synchronized (issued) {
            return List.copyOf(issued);
        }
    }

    String currentRefreshToken() {
        return currentRefresh;
    }

    private void handle(HttpExchange ex) throws IOException {
        Map<String, String> form = parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        requests.add(form);
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Function<Map<String, String>, Reply> o = override;
        Reply reply = o != null ? o.apply(form) : issue(form);
        byte[] body = reply.json().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(reply.status(), body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private synchronized Reply issue(Map<String, String> form) {
        boolean ok = switch (String.valueOf(form.get("grant_type"))) {
            case "authorization_code" -> acceptedCode.equals(form.get("code"));
            case "refresh_token" -> currentRefresh != null && currentRefresh.equals(form.get("refresh_token"));
            default -> false;
        };
        if (!ok) {
            return new Reply(400, "{\"error\":\"invalid_grant\",\"error_description\":\"refresh token is invalid\"}");
        }
        int n = generation.incrementAndGet();
        String salt = UUID.randomUUID().toString().substring(0, 8);
        String access = "at-" + n + "-" + salt;
        String refresh = "rt-" + n + "-" + salt;
        issued.add(access);
        issued.add(refresh);
        currentRefresh = refresh;
        return new Reply(200, "{\"access_token\":\"" + access + "\",\"token_type\":\"Bearer\",\"expires_in\":" + expiresIn
                + ",\"refresh_token\":\"" + refresh + "\",\"scope\":\"contacts.readonly contacts.write\","
                + "\"userType\":\"Location\",\"locationId\":\"" + locationId + "\",\"companyId\":\"comp-1\","
                + "\"userId\":\"user-1\"}");
    }

    private static Map<String, String> parse(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        if (body.isEmpty()) {
            return form;
        }
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            form.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
        }
        return form;
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
