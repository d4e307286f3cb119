package io.contactsbridge.simulator.highlevel;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.Key;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class HighLevelWebhookKeysTest {

    @Test
    void keysLoadedFromPemSignLikeTheOriginals() throws Exception {
        KeyPairGenerator rsaGenerator = KeyPairGenerator.getInstance("RSA");
        rsaGenerator.initialize(1024); // size is irrelevant here; small keeps the test fast
        KeyPair rsa = rsaGenerator.generateKeyPair();
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();

        HighLevelWebhookKeys loaded = HighLevelWebhookKeys.fromPem(
                pem("PRIVATE KEY", rsa.getPrivate()), pem("PUBLIC KEY", rsa.getPublic()),
                pem("PRIVATE KEY", ed.getPrivate()), pem("PUBLIC KEY", ed.getPublic()));

        byte[] body = "{\"type\":\"ContactCreate\"}".getBytes(StandardCharsets.UTF_8);
        assertThat(verify("SHA256withRSA", rsa.getPublic(), body, loaded.signRsa(body))).isTrue();
        assertThat(verify("Ed25519", ed.getPublic(), body, loaded.signEd25519(body))).isTrue();
        assertThat(loaded.rsaPublicKeyBase64()).isEqualTo(Base64.getEncoder().encodeToString(rsa.getPublic().getEncoded()));
        assertThat(loaded.ed25519PublicKeyPem()).isEqualTo(pem("PUBLIC KEY", ed.getPublic()));
    }

    @Test
    void keyPairsOfTheWrongAlgorithmAreRefused() throws Exception {
        KeyPair ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        assertThatThrownBy(() -> HighLevelWebhookKeys.of(ed, ed))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("RSA");
        assertThatThrownBy(() -> HighLevelWebhookKeys.fromPem("nope", "nope", "nope", "nope"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String pem(String label, Key key) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
        return "-----BEGIN " + label + "-----\n" + body + "\n-----END " + label + "-----\n";
    }

    private static boolean verify(String algorithm, PublicKey key, byte[] body, String signature) throws Exception {
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(key);
        verifier.update(body);
        return verifier.verify(Base64.getDecoder().decode(signature));
    }
}
