package io.contactsbridge.support;

import java.net.http.HttpClient;

import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.web.client.RestTemplateBuilder;
import org.springframework.http.client.JdkClientHttpRequestFactory;

/**
 * A test HTTP client that keeps no cookies and follows no redirects, so each call is judged on
 * its own credentials (a logged-in session from an earlier call must not leak into the next).
 */
public final class Http {

    private Http() {
    }

    public static TestRestTemplate client(int port) {
        HttpClient jdk = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
        return new TestRestTemplate(new RestTemplateBuilder()
                .rootUri("http://localhost:" + port)
                .requestFactory(() -> new JdkClientHttpRequestFactory(jdk)));
    }
}
