package io.contactsbridge.ingress;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.journal.ContactKeys;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.ops.InvalidSettingException;
import io.contactsbridge.sync.SyncPair;
import io.contactsbridge.sync.SyncPairs;
import org.springframework.stereotype.Component;

/**
 * {@code POST /webhooks/birdsend}: this bridge's own endpoint for naming a BirdSend contact to pull. BirdSend
 * has no webhooks; a BirdSend automation step or a form handler calls it (see docs/birdsend-notifications.md).
 *
 * <p>Body {@code {"contactId": 123}} or {@code {"email": "a@b.example"}}, and {@code "pair": "<id>"} when the bridge
 * syncs several connection pairs (the BirdSend account is the pair's). Authenticated with
 * {@code X-Bridge-Timestamp: <unix seconds>} and
 * {@code X-Bridge-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + raw body)>}; the timestamp must
 * be within {@code bridge.inbound.timestamp-tolerance}. Stored in the journal as {@value #EVENT_TYPE} with the
 * event id {@code <contact key>@<timestamp>}, so a repeated call is stored once.
 *
 * <p>Answers as the HighLevel endpoint does: 413, 429 (overload or storage trouble), 401 (signature or
 * timestamp), 400 (body), 200 stored or duplicate; 404 with how to enable it while
 * {@code bridge.birdsend.notification.secret} is not set.
 */
@Component
public class BirdSendNotificationIngress {

    static final String SOURCE = JournalSources.BIRDSEND_NOTIFICATION;
    public static final String EVENT_TYPE = JournalSources.CONTACT_NOTIFIED;
    public static final String TIMESTAMP_HEADER = "X-Bridge-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Bridge-Signature";

    private static final Pattern UNIX_SECONDS = Pattern.compile("\\d{1,12}");
    private static final Pattern SIGNATURE = Pattern.compile("sha256=([0-9a-fA-F]{64})");
    private static final Pattern CONTACT_ID = Pattern.compile("[1-9]\\d{0,18}");

    private final byte[] secret;
    private final IngressJournal ingress;
    private final IngressProperties props;
    private final IngressMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;
    private final SyncPairs pairs;

    public BirdSendNotificationIngress(BirdSendNotificationProperties settings, IngressJournal ingress,
                                       IngressProperties props, IngressMetrics metrics,
                                       ObjectMapper json, Clock clock, SyncPairs pairs) {
        if (settings.enabled() && settings.secret().length() < BirdSendNotificationProperties.MIN_SECRET_LENGTH) {
            throw new InvalidSettingException("bridge.birdsend.notification.secret", "****",
                    "it is shorter than " + BirdSendNotificationProperties.MIN_SECRET_LENGTH + " characters, easy to guess",
                    "Use a random secret, e.g. `openssl rand -hex 32`, and give the same one to whoever calls /webhooks/birdsend.");
        }
        this.secret = settings.enabled() ? settings.secret().getBytes(StandardCharsets.UTF_8) : null;
        this.ingress = ingress;
        this.props = props;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
        this.pairs = pairs;
    }

    public boolean enabled() {
        return secret != null;
    }

    public IngressAnswer receive(byte[] body, String timestamp, String signature) {
        return receive(body, StandardCharsets.UTF_8, timestamp, signature);
    }

    /** @param charset what the Content-Type declares; the signature covers the bytes, the JSON is read in it */
    public IngressAnswer receive(byte[] body, Charset charset, String timestamp, String signature) {
        IngressAnswer answer = decide(body == null ? new byte[0] : body, charset, timestamp, signature);
        metrics.record(SOURCE, answer);
        return answer;
    }

    private IngressAnswer decide(byte[] raw, Charset charset, String timestamp, String signature) {
        if (secret == null) {
            return IngressAnswer.refuse(404, "not_enabled", "BirdSend notifications are not enabled on this bridge. Set "
                    + "bridge.birdsend.notification.secret (environment variable BRIDGE_BIRDSEND_NOTIFICATION_SECRET) to a "
                    + "random secret, e.g. from `openssl rand -hex 32`; see docs/birdsend-notifications.md.");
        }
        if (timestamp == null || timestamp.isBlank() || signature == null || signature.isBlank()) {
            return IngressAnswer.refuse(401, "missing_signature", "Send the headers " + TIMESTAMP_HEADER
                    + " (unix seconds) and " + SIGNATURE_HEADER + " (sha256=<hex HMAC-SHA256 of timestamp + \".\" + body>); "
                    + "see docs/birdsend-notifications.md.");
        }
        var hex = SIGNATURE.matcher(signature.trim());
        if (!hex.matches()) {
            return IngressAnswer.refuse(401, "invalid_signature", SIGNATURE_HEADER + " must be sha256= followed by 64 "
                    + "hex digits.");
        }
        String ts = timestamp.trim();
        if (!MessageDigest.isEqual(hmac(ts, raw), HexFormat.of().parseHex(hex.group(1).toLowerCase()))) {
            return IngressAnswer.refuse(401, "invalid_signature", "The signature does not match: compute HMAC-SHA256 with "
                    + "the shared secret over the " + TIMESTAMP_HEADER + " value, a dot, and the body exactly as sent.");
        }
        if (!UNIX_SECONDS.matcher(ts).matches()) {
            return IngressAnswer.refuse(401, "invalid_timestamp", TIMESTAMP_HEADER + " must be the time in unix seconds.");
        }
        Duration skew = Duration.between(Instant.ofEpochSecond(Long.parseLong(ts)), clock.instant()).abs();
        if (skew.compareTo(props.timestampTolerance()) > 0) {
            return IngressAnswer.refuse(401, "stale_timestamp", TIMESTAMP_HEADER + " is " + HighLevelWebhookIngress.human(skew)
                    + " away from this server's clock; requests more than "
                    + HighLevelWebhookIngress.human(props.timestampTolerance()) + " away are refused so a captured request "
                    + "cannot be replayed. Sign each request when sending it.");
        }
        byte[] body = IngressJson.utf8(raw, charset);
        if (body == null) {
            return IngressAnswer.refuse(400, "malformed_text", "The body is not valid " + charset.name() + " text.");
        }
        JsonNode payload = IngressJson.parseObject(json, body);
        if (payload == null) {
            return IngressAnswer.refuse(400, "malformed_json", "The body is not a JSON object.");
        }
        String contactKey = contactKey(payload);
        if (contactKey == null) {
            return IngressAnswer.refuse(400, "missing_contact", "The body must name a contact: {\"contactId\": 123} "
                    + "or {\"email\": \"someone@example.com\"}.");
        }
        JsonNode pairField = payload.path("pair");
        String pairId = pairField.isTextual() && !pairField.asText().isBlank() ? pairField.asText().trim() : null;
        Optional<SyncPair> pair = pairId != null ? pairs.find(pairId) : pairs.single() ? Optional.of(pairs.only()) : Optional.empty();
        if (pair.isEmpty()) {
            return IngressAnswer.refuse(400, pairId == null ? "missing_pair" : "unknown_pair", (pairId == null
                    ? "This bridge syncs several pairs: name the one the contact belongs to, {\"pair\": \"<id>\"}"
                    : "No pair of this bridge is called " + IngressJson.printable(pairId)) + "; its pairs are " + pairs.ids() + ".");
        }
        // The account's contact ids are its own: two BirdSend accounts both have a contact 42.
        String connectionId = pair.get().birdsendConnection();
        String eventId = (pairs.single() ? "" : connectionId + "/") + contactKey + "@" + ts;
        return ingress.append(SOURCE, EVENT_TYPE, eventId, contactKey, body, connectionId,
                "Notification for " + contactKey + " stored.", "This notification was already received; ignored.");
    }

    /** {@code birdsend:<id>} for a positive whole contactId (number or digits), else {@code email:<address>}. */
    static String contactKey(JsonNode payload) {
        JsonNode id = payload.get("contactId");
        if (id != null && (id.isIntegralNumber() || id.isTextual()) && CONTACT_ID.matcher(id.asText().trim()).matches()) {
            return ContactKeys.birdSend(id.asText().trim());
        }
        JsonNode email = payload.get("email");
        if (email != null && email.isTextual()) {
            String address = email.asText().trim();
            int at = address.indexOf('@');
            if (at > 0 && at < address.length() - 1 && address.length() <= 254 && !address.matches(".*\\s.*")) {
                return ContactKeys.email(address);
            }
        }
        return null;
    }

    private byte[] hmac(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            mac.update(body);
            return mac.doFinal();
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
        }
    }
}
