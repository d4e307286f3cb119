package io.contactsbridge.auth;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * Calls a service's OAuth token endpoint: code exchange and refresh, form-encoded as both HighLevel
 * (documented) and BirdSend (accepted by its clients) take it, with connect and request timeouts.
 */
@Component
public class TokenEndpointClient {

    /** What HighLevel's token endpoint needs for a sub-account token ({@code user_type}, documented). */
    static final String HIGHLEVEL_USER_TYPE = "Location";
    /** ... and for an agency token (connection kind agency-oauth). */
    static final String HIGHLEVEL_AGENCY_USER_TYPE = "Company";
    /** The Version header of HighLevel's API calls, {@code POST /oauth/locationToken} among them. */
    static final String HIGHLEVEL_API_VERSION = "2021-07-28";
    private static final Pattern ERROR_CODE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private final HttpClient http;
    private final Duration timeout;
    private final ObjectMapper json;

    public TokenEndpointClient(AuthProperties props, ObjectMapper json) {
        this.timeout = props.auth().httpTimeout();
        this.json = json;
        this.http = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    /** Trades an authorization code for tokens. */
    public TokenGrant exchangeCode(ConnectionDefinition def, String code, String redirectUri) {
        Map<String, String> form = base(def, "authorization_code");
        form.put("code", code);
        form.put("redirect_uri", redirectUri);
        return call(def, form);
    }

    /** Trades a refresh token for new tokens (the answer may carry a rotated refresh token). */
    public TokenGrant refresh(ConnectionDefinition def, String refreshToken) {
        Map<String, String> form = base(def, "refresh_token");
        form.put("refresh_token", refreshToken);
        return call(def, form);
    }

    /**
     * HighLevel's {@code POST /oauth/locationToken} (apps/oauth.json): a location token for {@code locationId} from
     * the agency token of {@code agency}, at that connection's API base URL.
     */
    public TokenGrant locationToken(ConnectionDefinition agency, String agencyAccessToken, String companyId,
                                    String locationId) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("companyId", companyId);
        form.put("locationId", locationId);
        String url = agency.baseUrl().replaceAll("/+$", "") + "/oauth/locationToken";
        return call(url, form, "Authorization", "Bearer " + agencyAccessToken, "Version", HIGHLEVEL_API_VERSION);
    }

    private Map<String, String> base(ConnectionDefinition def, String grantType) {
        ConnectionDefinition.OAuthClient client = def.oauth();
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", grantType);
        form.put("client_id", client.clientId());
        form.put("client_secret", client.clientSecret());
        if (def.service() == ServiceType.HIGHLEVEL) {
            form.put("user_type", def.kind() == CredentialKind.AGENCY_OAUTH ? HIGHLEVEL_AGENCY_USER_TYPE : HIGHLEVEL_USER_TYPE);
        } else if (client.scopes() != null) {
            form.put("scope", client.scopes());
        }
        return form;
    }

    private TokenGrant call(ConnectionDefinition def, Map<String, String> form) {
        return call(def.oauth().tokenUrl(), form);
    }

    /** {@code headers}: more name/value pairs (never logged: they may carry a token). */
    private TokenGrant call(String url, Map<String, String> form, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        HttpRequest request = builder.POST(HttpRequest.BodyPublishers.ofString(encode(form))).build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new TokenEndpointException("token endpoint " + url + " unreachable: " + e.getClass().getSimpleName(),
                    false, 0, null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TokenEndpointException("interrupted while calling token endpoint " + url, false, 0, null, null);
        }
        int status = response.statusCode();
        JsonNode body = parse(response.body());
        if (status / 100 == 2) {
            return grant(url, body);
        }
        String error = errorCode(body);
        boolean refused = status == 400 || status == 401 || status == 403 || status == 422;
        throw new TokenEndpointException("token endpoint " + url + " answered " + status
                + (error != null ? " " + error : message(body)), refused, status, error, null);
    }

    private TokenGrant grant(String url, JsonNode body) {
        String access = text(body, "access_token");
        if (access == null) {
            throw new TokenEndpointException("token endpoint " + url + " answered without an access_token",
                    false, 200, null, null);
        }
        return new TokenGrant(access, text(body, "refresh_token"), seconds(body, "expires_in"),
                seconds(body, "refresh_token_expires_in"), text(body, "scope"), text(body, "locationId"),
                text(body, "companyId"), text(body, "userType"),
                body.hasNonNull("account_id") ? body.get("account_id").asText() : null);
    }

    private JsonNode parse(String body) {
        try {
            return body == null || body.isBlank() ? json.createObjectNode() : json.readTree(body);
        } catch (IOException e) {
            return json.createObjectNode();
        }
    }

    /**
     * HighLevel's own {@code message} (e.g. "This app is not installed on the location.") when the answer has no
     * OAuth error code: short, printable text only, so a token or a raw answer is never repeated.
     */
    private static String message(JsonNode body) {
        String m = text(body, "message");
        return m != null && m.length() <= 200 && m.matches("[A-Za-z0-9 .,:;'()/_-]+") ? ": " + m : "";
    }

    /** The OAuth {@code error} code, only when it looks like one: the answer itself is never repeated. */
    private static String errorCode(JsonNode body) {
        String e = text(body, "error");
        return e != null && ERROR_CODE.matcher(e).matches() ? e : null;
    }

    private static String text(JsonNode body, String field) {
        JsonNode n = body.get(field);
        return n == null || n.isNull() || !n.isValueNode() || n.asText().isBlank() ? null : n.asText();
    }

    private static Duration seconds(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || !(n.isNumber() || n.isTextual() && n.asText().matches("\\d+"))) {
            return null;
        }
        return Duration.ofSeconds(n.asLong());
    }

    private static String encode(Map<String, String> form) {
        return form.entrySet().stream()
                .filter(e -> e.getValue() != null)
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
    }
}
