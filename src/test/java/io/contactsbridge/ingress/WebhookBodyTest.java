package io.contactsbridge.ingress;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import io.contactsbridge.journal.JournalEvent;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.support.AppTest;
import io.contactsbridge.support.LogCapture;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a webhook body may be: JSON only (415 otherwise, before anything parses it), signed over the exact bytes
 * whatever the charset, and never written to the log, so a caller cannot forge log lines.
 */
@AppTest
class WebhookBodyTest extends IngressAppTestSupport {

    private HttpResponse<String> postAs(String path, String contentType, byte[] body, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(url(path)).timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] event(String webhookId, String firstName, java.nio.charset.Charset charset) {
        String json = "{\"type\":\"ContactCreate\",\"locationId\":\"loc-test\",\"id\":\"c-" + webhookId + "\","
                + "\"email\":\"body@example.com\",\"firstName\":\"" + firstName + "\",\"tags\":[],"
                + "\"timestamp\":\"" + Instant.now() + "\",\"webhookId\":\"" + webhookId + "\"}";
        return json.getBytes(charset);
    }

    @Test
    void theSignatureCoversTheBytesAsSentWhateverTheCharset() throws Exception {
        String utf8Id = unique("utf8");
        byte[] utf8 = event(utf8Id, "Zoë 😀 Łukasz", StandardCharsets.UTF_8);
        HttpResponse<String> plain = postAs("/webhooks/highlevel", "application/json", utf8,
                "x-ghl-signature", KEYS.signEd25519(utf8));
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(200);
        assertThat(journal.find(JournalSources.HIGHLEVEL_WEBHOOK, utf8Id).orElseThrow().payload()).contains("Zoë 😀 Łukasz");

        String latinId = unique("latin1");
        byte[] latin1 = event(latinId, "José Müller", StandardCharsets.ISO_8859_1);
        HttpResponse<String> declared = postAs("/webhooks/highlevel", "application/json; charset=ISO-8859-1", latin1,
                "x-ghl-signature", KEYS.signEd25519(latin1));
        assertThat(declared.statusCode()).as(declared.body()).isEqualTo(200);
        JournalEvent stored = journal.find(JournalSources.HIGHLEVEL_WEBHOOK, latinId).orElseThrow();
        assertThat(stored.payload()).contains("José Müller");

        // Bytes that are not UTF-8 but declared as such: the signature is still checked over them (and holds), then
        // the body is refused as text it cannot be, not as a forgery.
        byte[] broken = event(unique("broken"), "Jos\u00e9", StandardCharsets.ISO_8859_1);
        HttpResponse<String> notUtf8 = postAs("/webhooks/highlevel", "application/json", broken,
                "x-ghl-signature", KEYS.signEd25519(broken));
        assertThat(notUtf8.statusCode()).as(notUtf8.body()).isEqualTo(400);
        assertThat(notUtf8.body()).contains("malformed_text").doesNotContain("invalid_signature");

        // BirdSend's HMAC the same way.
        byte[] bs = "{\"email\": \"m\u00fcller@example.com\"}".getBytes(StandardCharsets.ISO_8859_1);
        long now = Instant.now().getEpochSecond();
        HttpResponse<String> birdSend = postAs("/webhooks/birdsend", "application/json;charset=iso-8859-1", bs,
                birdSendHeaders(bs, now, BIRDSEND_SECRET));
        assertThat(birdSend.statusCode()).as(birdSend.body()).isEqualTo(200);
        assertThat(journal.find(JournalSources.BIRDSEND_NOTIFICATION, "email:müller@example.com@" + now)).isPresent();
    }

    @Test
    void onlyJsonIsAcceptedAndTheReasonIsSaid() throws Exception {
        byte[] body = event(unique("ct"), "Ada", StandardCharsets.UTF_8);
        String signature = KEYS.signEd25519(body);
        for (String type : new String[] {"application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz",
                "text/plain", "application/xml", null}) {
            for (String path : new String[] {"/webhooks/highlevel", "/webhooks/birdsend"}) {
                HttpResponse<String> r = postAs(path, type, body, "x-ghl-signature", signature);
                assertThat(r.statusCode()).as(type + " " + path).isEqualTo(415);
                assertThat(r.body()).contains("unsupported_media_type", "application/json");
            }
        }
        assertThat(postAs("/webhooks/highlevel", "Application/JSON; Charset=UTF-8", body, "x-ghl-signature", signature)
                .statusCode()).isEqualTo(200);
    }

    @Test
    void noLogLineCanBeForgedThroughAWebhook() throws Exception {
        String forged = "2026-12-02T10:00:00.000Z ERROR 1 --- [main] admin : admin logged in from 6.6.6.6";
        try (LogCapture log = LogCapture.open()) {
            byte[] form = ("a=1\r\n" + forged + "\n" + forged).getBytes(StandardCharsets.UTF_8);
            assertThat(postAs("/webhooks/highlevel", "application/x-www-form-urlencoded", form).statusCode()).isEqualTo(415);
            assertThat(postAs("/webhooks/birdsend", "application/x-www-form-urlencoded", form).statusCode()).isEqualTo(415);
            // JSON with the forgery in every field a log might quote, unsigned and signed.
            String hostile = "{\"type\":\"x\\r\\n" + forged + "\",\"webhookId\":\"\\n" + forged + "\",\"timestamp\":\""
                    + Instant.now() + "\",\"locationId\":\"\\r\\n" + forged + "\"}";
            byte[] json = hostile.getBytes(StandardCharsets.UTF_8);
            postAs("/webhooks/highlevel", "application/json", json, "x-ghl-signature", "not-a-signature");
            postAs("/webhooks/highlevel", "application/json", json, "x-ghl-signature", KEYS.signEd25519(json));
            // Raw bytes a client library would not send: CR/LF inside the request line and a header value.
            try (Socket socket = new Socket("localhost", port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /webhooks/highlevel?x=%0D%0A" + forged.replace(' ', '+') + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Content-Type: application/json\r\nx-ghl-signature: a\r" + forged + "\r\n"
                        + "Content-Length: 2\r\nConnection: close\r\n\r\n{}").getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                InputStream in = socket.getInputStream();
                in.readAllBytes();
            }
            assertThat(log.events()).allSatisfy(e -> {
                for (String line : e.text().split("\r?\n|\r")) {
                    assertThat(line).doesNotStartWith("2026-12-02T10:00:00.000Z").doesNotStartWith("ERROR");
                }
                assertThat(e.text().length()).isLessThan(4000);
            });
            assertThat(log.bytes()).isLessThan(20_000);
        }
    }
}
