package io.contactsbridge.ingress;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.support.AppTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reliability suite's bad-input scenario (issue 15): the requests a careless or hostile sender makes to the
 * endpoints that take data without the admin login (HighLevel's webhooks and BirdSend's notifications; the OAuth
 * callback's bad states are in {@code OAuthConnectAppTest}), from one corpus: malformed and truncated JSON, wrong content types, oversized bodies, bad and missing
 * signatures, stale timestamps, hostile strings, bytes that are not text, a sender that stalls. Each answer must be a
 * 4xx with a reason a person can read, nothing may reach the journal, and a valid webhook sent afterwards must still
 * be stored. Prints one line, {@code reliability bad-input: ...}.
 *
 * <p>Events of a type the bridge does not handle are the one exception by design: acknowledged with 202 and not
 * stored, since HighLevel would otherwise retry them for hours ({@code WebhookIngressTest}).
 */
@AppTest
class BadInputCorpusTest extends IngressAppTestSupport {

    private static final String HL = "/webhooks/highlevel";
    private static final String BS = "/webhooks/birdsend";
    private static final String HOSTILE = "'; DROP TABLE inbound_event; -- <script>alert(1)</script> ${jndi:ldap://x/a} "
            + "\u0000\u202e\r\nERROR forged line";

    /** One request of the corpus and the status it must get. */
    private record Case(String name, String path, String contentType, byte[] body, String[] headers, int status) {
    }

    @Test
    void everyBadRequestGetsAClear4xxAndNothingIsStored() throws Exception {
        long before = journal.count();
        List<String> wrong = new ArrayList<>();
        List<Case> corpus = corpus();
        for (Case c : corpus) {
            HttpResponse<String> r = send(c);
            String problem = check(c.status(), r);
            if (problem != null) {
                wrong.add(c.name() + ": " + problem);
            }
        }
        // A sender that announces a body and stalls: answered 408 at the read deadline and closed.
        String stalled = stalledSender();
        if (!stalled.startsWith("HTTP/1.1 408")) {
            wrong.add("stalled sender: answered " + stalled);
        }
        long stored = journal.count() - before;

        // The app still takes a valid webhook.
        String webhookId = unique("after-corpus");
        HttpResponse<String> valid = postHighLevel(contactEvent("ContactCreate", "c-after", webhookId));

        System.out.printf(Locale.ROOT, "reliability bad-input: requests %d, answered as expected %d, stored %d, "
                        + "a valid webhook afterwards %d%n", corpus.size() + 1, corpus.size() + 1 - wrong.size(),
                stored, valid.statusCode());
        assertThat(wrong).as("requests not answered with the expected 4xx and a reason").isEmpty();
        assertThat(stored).as("events stored from bad requests").isZero();
        assertThat(valid.statusCode()).as(valid.body()).isEqualTo(200);
        assertThat(journal.find(JournalSources.HIGHLEVEL_WEBHOOK, webhookId)).isPresent();
    }

    /** Null when the answer is the expected 4xx with a JSON reason (an error code and a message), else what is wrong. */
    private static String check(int expected, HttpResponse<String> r) {
        if (r.statusCode() != expected) {
            return "answered " + r.statusCode() + " (expected " + expected + "): " + abbreviate(r.body());
        }
        try {
            var json = JSON.readTree(r.body());
            if (json.path("error").asText("").isBlank() || json.path("message").asText("").isBlank()) {
                return "no error code and message in " + abbreviate(r.body());
            }
        } catch (java.io.IOException e) {
            return "the answer is not JSON: " + abbreviate(r.body());
        }
        if (r.body().contains("DROP TABLE") || r.body().contains("<script>")) {
            return "the answer echoes the request: " + abbreviate(r.body());
        }
        return null;
    }

    private List<Case> corpus() {
        List<Case> cases = new ArrayList<>();
        long now = Instant.now().getEpochSecond();
        byte[] valid = contactEvent("ContactCreate", "c-corpus", unique("corpus"));
        String validSignature = KEYS.signEd25519(valid);

        // ---- HighLevel webhooks ----
        byte[] malformed = "{\"type\": \"ContactCreate\", \"id\": ".getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("HighLevel malformed JSON, signed", HL, "application/json", malformed,
                sig(malformed), 400));
        byte[] truncated = Arrays.copyOf(valid, valid.length / 2);
        cases.add(new Case("HighLevel truncated body (signature of the whole)", HL, "application/json", truncated,
                new String[] {"x-ghl-signature", validSignature}, 401));
        cases.add(new Case("HighLevel no signature", HL, "application/json", valid, new String[0], 401));
        cases.add(new Case("HighLevel signature of garbage", HL, "application/json", valid,
                new String[] {"x-ghl-signature", "bm90IGEgc2lnbmF0dXJl"}, 401));
        cases.add(new Case("HighLevel signature not base64", HL, "application/json", valid,
                new String[] {"x-ghl-signature", HOSTILE.replaceAll("[^\\x20-\\x7e]", " ")}, 401));
        byte[] stale = contactEvent("ContactCreate", "c-corpus", unique("stale"), Instant.now().minus(Duration.ofHours(2)));
        cases.add(new Case("HighLevel stale timestamp", HL, "application/json", stale, sig(stale), 401));
        byte[] future = contactEvent("ContactCreate", "c-corpus", unique("future"), Instant.now().plus(Duration.ofHours(2)));
        cases.add(new Case("HighLevel timestamp in the future", HL, "application/json", future, sig(future), 401));
        for (String type : new String[] {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "application/xml", "application/javascript", "application/jsonl"}) {
            cases.add(new Case("HighLevel content type " + type, HL, type, valid, sig(valid), 415));
        }
        byte[] tooBig = new byte[1024 * 1024 + 10];
        Arrays.fill(tooBig, (byte) 'a');
        cases.add(new Case("HighLevel body over 1 MiB", HL, "application/json", tooBig, sig(tooBig), 413));
        for (String json : new String[] {"[]", "42", "\"text\"", "null", ""}) {
            byte[] notObject = json.getBytes(StandardCharsets.UTF_8);
            cases.add(new Case("HighLevel body " + (json.isEmpty() ? "empty" : json) + ", signed", HL, "application/json",
                    notObject, sig(notObject), 400));
        }
        byte[] notUtf8 = ("{\"type\":\"ContactCreate\",\"firstName\":\"Jos\u00e9\",\"timestamp\":\"" + Instant.now() + "\"}")
                .getBytes(StandardCharsets.ISO_8859_1);
        cases.add(new Case("HighLevel bytes that are not UTF-8, signed", HL, "application/json", notUtf8, sig(notUtf8), 400));
        String hostileJson = "{\"type\":\"" + escape(HOSTILE) + "\",\"webhookId\":\"" + escape(HOSTILE) + "\",\"id\":\""
                + escape(HOSTILE) + "\",\"timestamp\":\"" + Instant.now() + "\"}";
        byte[] hostile = hostileJson.getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("HighLevel hostile strings, unsigned", HL, "application/json", hostile,
                new String[] {"x-ghl-signature", "AAAA"}, 401));
        byte[] deep = ("{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("HighLevel nested 5,000 deep, unsigned", HL, "application/json", deep,
                new String[] {"x-ghl-signature", "AAAA"}, 401));

        // ---- BirdSend notifications ----
        byte[] bsBody = "{\"contactId\": 4711}".getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("BirdSend no signature", BS, "application/json", bsBody, new String[0], 401));
        cases.add(new Case("BirdSend wrong secret", BS, "application/json", bsBody,
                birdSendHeaders(bsBody, now, "not-the-secret-0123456789abcdef"), 401));
        cases.add(new Case("BirdSend stale timestamp", BS, "application/json", bsBody,
                birdSendHeaders(bsBody, now - 3600, BIRDSEND_SECRET), 401));
        cases.add(new Case("BirdSend timestamp not a number", BS, "application/json", bsBody,
                new String[] {"X-Bridge-Timestamp", "yesterday", "X-Bridge-Signature", "sha256=00"}, 401));
        byte[] bsMalformed = "{\"contactId\": ".getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("BirdSend malformed JSON, signed", BS, "application/json", bsMalformed,
                birdSendHeaders(bsMalformed, now, BIRDSEND_SECRET), 400));
        byte[] nobody = "{\"name\": \"Ada\"}".getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("BirdSend names no contact, signed", BS, "application/json", nobody,
                birdSendHeaders(nobody, now, BIRDSEND_SECRET), 400));
        cases.add(new Case("BirdSend content type text/plain", BS, "text/plain", bsBody,
                birdSendHeaders(bsBody, now, BIRDSEND_SECRET), 415));
        cases.add(new Case("BirdSend body over 1 MiB", BS, "application/json", tooBig,
                birdSendHeaders(tooBig, now, BIRDSEND_SECRET), 413));
        byte[] bsHostile = ("{\"email\": \"" + escape(HOSTILE) + "\"}").getBytes(StandardCharsets.UTF_8);
        cases.add(new Case("BirdSend hostile strings, wrong signature", BS, "application/json", bsHostile,
                birdSendHeaders(bsHostile, now, "not-the-secret-0123456789abcdef"), 401));
        return cases;
    }

    private static String[] sig(byte[] body) {
        return new String[] {"x-ghl-signature", KEYS.signEd25519(body)};
    }

    private HttpResponse<String> send(Case c) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url(c.path())).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(c.body()));
        if (c.contentType() != null) {
            request.header("Content-Type", c.contentType());
        }
        for (int i = 0; i < c.headers().length; i += 2) {
            request.header(c.headers()[i], c.headers()[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Headers announcing 100 bytes, then 10 of them and silence: the status line the bridge answers with. */
    private String stalledSender() throws Exception {
        try (Socket socket = new Socket("localhost", port)) {
            socket.setSoTimeout(15_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + HL + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "x-ghl-signature: AAAA\r\nContent-Length: 100\r\n\r\n{\"type\":\"C").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int b = in.read(); b >= 0 && b != '\r' && b != '\n'; b = in.read()) {
                line.append((char) b);
            }
            return line.toString();
        }
    }

    private static String escape(String s) {
        StringBuilder out = new StringBuilder();
        for (char ch : s.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                out.append('\\').append(ch);
            } else if (ch < 0x20 || ch == 0x202e) {
                out.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static String abbreviate(String s) {
        return s == null ? "(no body)" : s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
