package io.contactsbridge.ingress;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;

import io.contactsbridge.ops.InvalidSettingException;
import io.contactsbridge.ops.RequiredSettings;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.contactsbridge.simulator.highlevel.HighLevelWebhookKeys;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The signature rules and the key forms, without the app (the live-mode app is in LiveWebhookSignatureTest). */
class HighLevelSignatureVerifierTest {

    static final HighLevelWebhookKeys KEYS = HighLevelWebhookKeys.generate();
    static final byte[] BODY = "{\"type\":\"ContactCreate\",\"firstName\":\"Zoë\"}".getBytes(StandardCharsets.UTF_8);

    static HighLevelSignatureVerifier verifier(String ed25519Key, boolean legacyRsa) {
        return new HighLevelSignatureVerifier(new HighLevelWebhookProperties(true, ed25519Key, legacyRsa, KEYS.rsaPublicKeyPem()));
    }

    static byte[] raw() {
        byte[] spki = KEYS.ed25519PublicKey().getEncoded();
        return Arrays.copyOfRange(spki, spki.length - 32, spki.length);
    }

    @Test
    void everyFormOfTheKeyVerifiesTheSameSignature() {
        String spkiHex = HexFormat.of().formatHex(KEYS.ed25519PublicKey().getEncoded());
        String rawUrlSafeUnpadded = Base64.getUrlEncoder().withoutPadding().encodeToString(raw());
        for (String key : new String[] {KEYS.ed25519PublicKeyPem(), KEYS.ed25519PublicKeyBase64(),
                Base64.getEncoder().encodeToString(raw()), HexFormat.of().formatHex(raw()),
                HexFormat.of().withUpperCase().formatHex(raw()), spkiHex, rawUrlSafeUnpadded, "  " + KEYS.ed25519PublicKeyBase64() + "\n"}) {
            HighLevelSignatureVerifier v = verifier(key, false);
            assertThat(v.verify(BODY, null, KEYS.signEd25519(BODY)).valid()).as(key).isTrue();
            assertThat(v.verify("{}".getBytes(StandardCharsets.UTF_8), null, KEYS.signEd25519(BODY)).error())
                    .as(key).isEqualTo("invalid_signature");
        }
    }

    @Test
    void aKeyThatIsNotAnEd25519KeySaysWhatToPaste() {
        for (String wrong : new String[] {"not a key", KEYS.rsaPublicKeyBase64(), HexFormat.of().formatHex(new byte[31]),
                Base64.getEncoder().encodeToString(new byte[33])}) {
            assertThatThrownBy(() -> verifier(wrong, false)).as(wrong)
                    .isInstanceOfSatisfying(InvalidSettingException.class, e -> {
                        assertThat(e.property()).isEqualTo("bridge.highlevel.webhook.ed25519-public-key");
                        assertThat(e.action()).contains("HighLevel marketplace", "PEM", "base64", "hex");
                    });
        }
    }

    @Test
    void rsaIsAcceptedOnlyWithTheLegacyOptionAndNeverOverridesEd25519() {
        String rsa = KEYS.signRsa(BODY);
        HighLevelSignatureVerifier strict = verifier(KEYS.ed25519PublicKeyBase64(), false);
        HighLevelSignatureVerifier legacy = verifier(KEYS.ed25519PublicKeyBase64(), true);

        assertThat(strict.verify(BODY, rsa, null).error()).isEqualTo("missing_signature");
        assertThat(strict.verify(BODY, rsa, null).problem()).contains("legacy-rsa-enabled=true");
        assertThat(legacy.verify(BODY, rsa, null).algorithm()).isEqualTo("SHA256withRSA");
        assertThat(legacy.verify(BODY, rsa, null).valid()).isTrue();
        assertThat(legacy.verify(BODY, rsa, "AAAA").error()).as("x-ghl-signature decides alone").isEqualTo("invalid_signature");
        assertThat(legacy.verify(BODY, null, null).problem()).startsWith("The request carries no x-ghl-signature header");
    }

    @Test
    void turnedOffWebhooksAnswer404AndLiveModeThenNeedsNoKey() {
        HighLevelWebhookProperties off = new HighLevelWebhookProperties(false, null, false, null);
        HighLevelWebhookIngress ingress = new HighLevelWebhookIngress(new HighLevelSignatureVerifier(off), off, null, null,
                null, new IngressMetrics(new SimpleMeterRegistry()), null, null);
        IngressAnswer answer = ingress.receive(BODY, null, KEYS.signEd25519(BODY));
        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.code()).isEqualTo("not_enabled");
        assertThat(answer.message()).contains("bridge.highlevel.webhook.enabled=false", "reconciliation poll");

        MockEnvironment env = new MockEnvironment().withProperty("bridge.admin.password", "x")
                .withProperty("bridge.encryption.key", "x");
        assertThat(RequiredSettings.missing(env)).extracting(RequiredSettings.Setting::environmentVariable)
                .containsExactly("BRIDGE_HIGHLEVEL_WEBHOOK_ED25519_PUBLIC_KEY");
        assertThat(RequiredSettings.missing(env.withProperty("bridge.highlevel.webhook.enabled", "false"))).isEmpty();
    }

    @Test
    void anUnusedLegacyKeyDoesNotStopTheStartAndAMissingEd25519KeyIsNamed() {
        HighLevelSignatureVerifier v = new HighLevelSignatureVerifier(new HighLevelWebhookProperties(true, null, false, "garbage"));
        HighLevelSignatureVerifier.Verdict verdict = v.verify(BODY, null, KEYS.signEd25519(BODY));
        assertThat(verdict.error()).isEqualTo("no_key_configured");
        assertThat(verdict.problem()).contains("bridge.highlevel.webhook.ed25519-public-key",
                "BRIDGE_HIGHLEVEL_WEBHOOK_ED25519_PUBLIC_KEY", "HighLevel marketplace");
        assertThatThrownBy(() -> new HighLevelSignatureVerifier(new HighLevelWebhookProperties(true, null, true, "garbage")))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("rsa-public-key");
    }
}
