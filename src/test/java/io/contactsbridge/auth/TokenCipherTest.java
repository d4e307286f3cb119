package io.contactsbridge.auth;

import java.util.Base64;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** AES-GCM token encryption: round trip, integrity, keys and their configuration. */
class TokenCipherTest {

    private static final String CONTEXT = "connection/highlevel/access_token";
    private final TokenCipher cipher = TokenCipher.fromBase64(TokenCipher.generateKey(), List.of());

    @Test
    void roundTripsAndNeverStoresThePlaintext() {
        String token = "eyJhbGciOiJIUzI1NiJ9.ünïcode-payload.sig";
        String stored = cipher.encrypt(token, CONTEXT);
        assertThat(stored).startsWith("v1." + cipher.keyId() + ".").doesNotContain(token).doesNotContain("payload");
        assertThat(cipher.decrypt(stored, CONTEXT)).isEqualTo(token);
        assertThat(cipher.encrypt(null, CONTEXT)).isNull();
        assertThat(cipher.decrypt(null, CONTEXT)).isNull();
    }

    @Test
    void everyEncryptionUsesAFreshIv() {
        String a = cipher.encrypt("same-token", CONTEXT);
        String b = cipher.encrypt("same-token", CONTEXT);
        assertThat(a).isNotEqualTo(b);
        byte[] ivA = Base64.getUrlDecoder().decode(a.split("\\.")[2]);
        byte[] ivB = Base64.getUrlDecoder().decode(b.split("\\.")[2]);
        assertThat(java.util.Arrays.copyOf(ivA, 12)).isNotEqualTo(java.util.Arrays.copyOf(ivB, 12));
    }

    @Test
    void aTamperedValueIsRejectedClearly() {
        String stored = cipher.encrypt("refresh-token-value", CONTEXT);
        String[] parts = stored.split("\\.");
        byte[] data = Base64.getUrlDecoder().decode(parts[2]);
        data[data.length - 20] ^= 0x01;
        String tampered = parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(data);

        assertThatThrownBy(() -> cipher.decrypt(tampered, CONTEXT))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("integrity check")
                .hasMessageContaining(CONTEXT);
        assertThatThrownBy(() -> cipher.decrypt("v1." + parts[1] + ".AAAA", CONTEXT))
                .isInstanceOf(SecretDecryptionException.class).hasMessageContaining("damaged");
        assertThatThrownBy(() -> cipher.decrypt("plain-token", CONTEXT))
                .isInstanceOf(SecretDecryptionException.class).hasMessageContaining("not an encrypted value");
    }

    @Test
    void aValueMovedToAnotherColumnOrConnectionDoesNotDecrypt() {
        String stored = cipher.encrypt("access-token-value", CONTEXT);
        assertThatThrownBy(() -> cipher.decrypt(stored, "connection/highlevel/refresh_token"))
                .isInstanceOf(SecretDecryptionException.class).hasMessageContaining("integrity check");
        assertThatThrownBy(() -> cipher.decrypt(stored, "connection/other/access_token"))
                .isInstanceOf(SecretDecryptionException.class);
    }

    @Test
    void theWrongKeyIsNamedInTheError() {
        String stored = cipher.encrypt("access-token-value", CONTEXT);
        TokenCipher other = TokenCipher.fromBase64(TokenCipher.generateKey(), List.of());
        assertThatThrownBy(() -> other.decrypt(stored, CONTEXT))
                .isInstanceOf(SecretDecryptionException.class)
                .hasMessageContaining("encrypted with key " + cipher.keyId())
                .hasMessageContaining(other.keyId())
                .hasMessageContaining("bridge.encryption.previous-keys")
                .hasMessageNotContaining("access-token-value");
    }

    @Test
    void aRotatedConfigurationStillReadsValuesOfThePreviousKey() {
        String oldKey = TokenCipher.generateKey();
        TokenCipher before = TokenCipher.fromBase64(oldKey, List.of());
        String stored = before.encrypt("refresh-token-value", CONTEXT);

        TokenCipher after = TokenCipher.fromBase64(TokenCipher.generateKey(), List.of(oldKey));
        assertThat(after.decrypt(stored, CONTEXT)).isEqualTo("refresh-token-value");
        assertThat(after.needsReEncryption(stored)).isTrue();
        String rewritten = after.encrypt("refresh-token-value", CONTEXT);
        assertThat(after.needsReEncryption(rewritten)).isFalse();
        assertThat(rewritten).contains("." + after.keyId() + ".");
    }

    @Test
    void keysMustBeBase64OfThirtyTwoBytes() {
        assertThatThrownBy(() -> TokenCipher.parseKey("bridge.encryption.key", "c2hvcnQ="))
                .isInstanceOf(InvalidEncryptionKeyException.class)
                .hasMessageContaining("bridge.encryption.key decodes to 5 bytes but must be exactly 32")
                .hasMessageContaining("openssl rand -base64 32");
        assertThatThrownBy(() -> TokenCipher.parseKey("bridge.encryption.key", "not base64 at all!"))
                .isInstanceOf(InvalidEncryptionKeyException.class).hasMessageContaining("not valid base64");
        assertThatThrownBy(() -> TokenCipher.parseKey("bridge.encryption.key", " "))
                .isInstanceOf(InvalidEncryptionKeyException.class).hasMessageContaining("is empty");

        byte[] raw = new byte[32];
        raw[0] = (byte) 0xfb; // encodes with '-' or '_' in the URL-safe alphabet
        String urlSafe = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        assertThat(TokenCipher.parseKey("k", urlSafe)).isEqualTo(raw);
        assertThat(TokenCipher.parseKey("k", Base64.getEncoder().encodeToString(raw))).isEqualTo(raw);
    }

    @Test
    void keyIdsAreStableAndDifferPerKey() {
        byte[] k = TokenCipher.parseKey("k", TokenCipher.generateKey());
        assertThat(TokenCipher.keyId(k)).hasSize(8).isEqualTo(TokenCipher.keyId(k.clone()));
        assertThat(new TokenCipher(k, List.of()).keyId()).isEqualTo(TokenCipher.keyId(k));
        assertThat(cipher.keyId()).isNotEqualTo(TokenCipher.keyId(k));
    }
}
