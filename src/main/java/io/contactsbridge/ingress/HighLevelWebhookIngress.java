package io.contactsbridge.ingress;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.contactsbridge.auth.ConnectionRegistry;
import io.contactsbridge.journal.JournalSources;
import io.contactsbridge.sync.SyncPairs;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * {@code POST /webhooks/highlevel}: decides what to answer HighLevel, and stores what it accepts in the
 * journal before answering. In order (the first that applies answers):
 * <ol>
 *   <li>404 HighLevel webhooks are turned off ({@code bridge.highlevel.webhook.enabled=false})</li>
 *   <li>413 body over {@code bridge.inbound.max-body-size}, 429 too many requests at once (both in
 *       {@link WebhookRequestLimits}, before the body is read)</li>
 *   <li>401 {@code x-ghl-signature} missing or wrong ({@link HighLevelSignatureVerifier}), over the raw body bytes</li>
 *   <li>400 not a JSON object, or no {@code type}</li>
 *   <li>401 {@code timestamp} missing or further than {@code bridge.inbound.timestamp-tolerance} from this
 *       server's clock: a signed webhook captured and re-sent later must not be replayed</li>
 *   <li>200 an {@code appId} other than this bridge's app (the HighLevel connections' OAuth client ids without
 *       their suffix, as HighLevel's SDK compares them): another app's webhook, acknowledged and not stored. An
 *       {@code INSTALL}/{@code UNINSTALL} without {@code appId} counts as another app's when an app is configured</li>
 *   <li>202 a type that is not one of HighLevel's 14 documented events nor {@code INSTALL}/{@code UNINSTALL}:
 *       acknowledged, not stored</li>
 *   <li>429 the consumers of these events are too far behind ({@link OverloadGuard}), or the journal could
 *       not store it (HighLevel retries only 429 answers, so every transient failure answers 429)</li>
 *   <li>200 stored; or 200 for a {@code webhookId} already stored (a retry), not stored again</li>
 * </ol>
 * A refused request stores nothing.
 */
@Component
public class HighLevelWebhookIngress {

    static final String SOURCE = JournalSources.HIGHLEVEL_WEBHOOK;

    private final HighLevelSignatureVerifier verifier;
    private final HighLevelWebhookProperties webhookProps;
    private final ConnectionRegistry connections;
    private final IngressJournal ingress;
    private final IngressProperties props;
    private final IngressMetrics metrics;
    private final ObjectMapper json;
    private final Clock clock;
    private SyncPairs pairs;

    public HighLevelWebhookIngress(HighLevelSignatureVerifier verifier, HighLevelWebhookProperties webhookProps,
                                   ConnectionRegistry connections, IngressJournal ingress, IngressProperties props,
                                   IngressMetrics metrics, ObjectMapper json, Clock clock) {
        this.verifier = verifier;
        this.webhookProps = webhookProps;
        this.connections = connections;
        this.ingress = ingress;
        this.props = props;
        this.metrics = metrics;
        this.json = json;
        this.clock = clock;
    }

    /**
     * The connection pairs, to record which HighLevel connection a webhook came from (by its {@code locationId}): with
     * several pairs the journal keeps each pair's events apart, and a contact's webhooks and polls must go together.
     */
    @Autowired(required = false)
    public void setPairs(SyncPairs pairs) {
        this.pairs = pairs;
    }

    public IngressAnswer receive(byte[] body, String rsaSignature, String ed25519Signature) {
        return receive(body, StandardCharsets.UTF_8, rsaSignature, ed25519Signature);
    }

    /** @param charset what the Content-Type declares; the signature covers the bytes, the JSON is read in it */
    public IngressAnswer receive(byte[] body, Charset charset, String rsaSignature, String ed25519Signature) {
        IngressAnswer answer = decide(body == null ? new byte[0] : body, charset, rsaSignature, ed25519Signature);
        metrics.record(SOURCE, answer);
        return answer;
    }

    private IngressAnswer decide(byte[] raw, Charset charset, String rsaSignature, String ed25519Signature) {
        if (!webhookProps.enabled()) {
            return IngressAnswer.refuse(404, "not_enabled", "HighLevel webhooks are turned off on this bridge ("
                    + HighLevelWebhookProperties.ENABLED + "=false); changes reach it through the reconciliation poll. "
                    + "To take webhooks, set it to true and set " + HighLevelWebhookProperties.ED25519_PUBLIC_KEY + ".");
        }
        HighLevelSignatureVerifier.Verdict verdict = verifier.verify(raw, rsaSignature, ed25519Signature);
        if (!verdict.valid()) {
            return IngressAnswer.refuse(401, verdict.error(), verdict.problem());
        }
        byte[] body = IngressJson.utf8(raw, charset);
        if (body == null) {
            return IngressAnswer.refuse(400, "malformed_text", "The body is not valid " + charset.name() + " text.");
        }
        JsonNode payload = IngressJson.parseObject(json, body);
        if (payload == null) {
            return IngressAnswer.refuse(400, "malformed_json", "The body is not a JSON object.");
        }
        String type = payload.path("type").isTextual() ? payload.get("type").asText() : null;
        if (type == null || type.isBlank()) {
            return IngressAnswer.refuse(400, "missing_type", "The payload has no \"type\" naming the event.");
        }
        IngressAnswer stale = checkTimestamp(payload.path("timestamp"));
        if (stale != null) {
            return stale;
        }
        IngressAnswer otherApp = checkAppId(type, payload.path("appId"));
        if (otherApp != null) {
            return otherApp;
        }
        if (!HighLevelWebhookEvents.known(type)) {
            return IngressAnswer.accepted("ignored", "Event type " + IngressJson.printable(type) + " is not one the bridge "
                    + "handles; acknowledged and not stored.");
        }
        String webhookId = payload.path("webhookId").isValueNode() && !payload.get("webhookId").asText().isBlank()
                ? payload.get("webhookId").asText() : "sha256:" + sha256(body);
        String contactKey = HighLevelWebhookEvents.contactKey(type, payload);
        String connectionId = pairs == null || !payload.path("locationId").isTextual() ? null
                : pairs.highLevelConnectionOf(payload.get("locationId").asText()).orElse(null);
        return ingress.append(SOURCE, type, webhookId, contactKey, body, connectionId,
                type + " " + webhookId + " stored.", "Webhook " + webhookId + " was already received; ignored.");
    }

    /** Null when the webhook is for this bridge's app, or no app is configured (a Private Integration token). */
    private IngressAnswer checkAppId(String type, JsonNode field) {
        Set<String> ours = connections.highLevelAppIds();
        String appId = field.isValueNode() && !field.asText().isBlank() ? field.asText() : null;
        if (ours.isEmpty() || (appId == null ? !HighLevelWebhookEvents.lifecycle(type) : ours.contains(appId))) {
            return null;
        }
        return IngressAnswer.ok("ignored", type + " of " + (appId == null ? "no app (no appId)"
                : "app " + IngressJson.printable(appId)) + " is not for this bridge's HighLevel app "
                + String.join(", ", new TreeSet<>(ours)) + "; acknowledged and not stored.");
    }

    private IngressAnswer checkTimestamp(JsonNode field) {
        if (!field.isTextual() || field.asText().isBlank()) {
            return IngressAnswer.refuse(401, "missing_timestamp", "The payload has no \"timestamp\", so it cannot be told "
                    + "apart from a replayed old webhook; HighLevel includes one in every webhook.");
        }
        Instant sent;
        try {
            sent = Instant.parse(field.asText());
        } catch (DateTimeParseException e) {
            return IngressAnswer.refuse(401, "invalid_timestamp", "The payload's \"timestamp\" is not an ISO-8601 UTC time "
                    + "(like 2025-01-28T14:35:00Z), so it cannot be checked against replays.");
        }
        Duration skew = Duration.between(sent, clock.instant()).abs();
        if (skew.compareTo(props.timestampTolerance()) > 0) {
            return IngressAnswer.refuse(401, "stale_timestamp", "The payload's timestamp " + sent + " is " + human(skew)
                    + " away from this server's clock; webhooks more than " + human(props.timestampTolerance())
                    + " away are refused so a captured webhook cannot be replayed. Check this server's clock if this "
                    + "happens to fresh webhooks.");
        }
        return null;
    }

    static String human(Duration d) {
        long seconds = d.getSeconds();
        if (seconds < 120) {
            return seconds + " seconds";
        }
        if (seconds < 7200) {
            return seconds / 60 + " minutes";
        }
        return seconds / 3600 + " hours";
    }

    private static String sha256(byte[] body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
