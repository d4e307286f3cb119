package io.contactsbridge.outbound;

/**
 * The request/response contract of {@code direct:highlevel-call} and {@code direct:birdsend-call}.
 *
 * <h2>Request</h2>
 * Message headers:
 * <ul>
 *   <li>{@link #CONNECTION_ID} (String, required): the connection the call is made for; decides the base
 *       URL, the access token and the rate budget.</li>
 *   <li>{@link #OPERATION} (String, required): a kebab-case name such as {@code get-contact}; used in
 *       error messages, logs and metrics.</li>
 *   <li>{@link #METHOD} (String, default GET): GET, POST, PUT, PATCH or DELETE.</li>
 *   <li>{@link #PATH} (String, required): the path below the base URL, already expanded and
 *       percent-encoded, starting with "/", e.g. {@code /contacts/abc}.</li>
 *   <li>{@link #QUERY} (optional): an encoded query string ({@code a=1&b=x%20y}) or a
 *       {@code Map<String, ?>} whose values (scalars or collections, for repeated names) are encoded here.</li>
 *   <li>{@link #EXTRA_HEADERS} (optional {@code Map<String, ?>}): more HTTP headers; may not set
 *       Authorization, which the outbound layer owns.</li>
 *   <li>{@link #CALLER} and {@link #CALLER_SHARE} (optional, together): the caller's name and its share (above 0, at
 *       most 1) of the connection's rate budget. Every attempt of the caller's calls then waits for the caller's
 *       next slot at that share, evenly spaced, before it takes anything of the connection's (see
 *       {@link CallerShare}). Without them a call takes the connection's budget like any other.</li>
 * </ul>
 * Body: the JSON request body: a String holding JSON, a {@code JsonNode}, a Map, a record/POJO
 * (written with Jackson) or byte[]; null for none. Sent only with POST, PUT, PATCH and DELETE.
 *
 * <h2>Response</h2>
 * On success (2xx) the body is the answer as a Jackson {@code JsonNode} (null when the answer is
 * empty, e.g. 204), the caller's own headers are back as they were, plus {@link #STATUS} (Integer)
 * and {@link #SERVICE} ({@code highlevel} or {@code birdsend}). Anything else fails the exchange
 * with an {@link UpstreamApiException} (after retries where retrying makes sense),
 * {@link OutboundRequestException} for a malformed request.
 */
public final class OutboundHeaders {

    public static final String CONNECTION_ID = "BridgeConnectionId";
    public static final String OPERATION = "BridgeOperation";
    public static final String METHOD = "BridgeHttpMethod";
    public static final String PATH = "BridgeHttpPath";
    public static final String QUERY = "BridgeHttpQuery";
    public static final String EXTRA_HEADERS = "BridgeHttpHeaders";
    /** The caller's name, for its share of the connection's rate budget ({@link #CALLER_SHARE}). */
    public static final String CALLER = "BridgeCaller";
    /** The caller's share of the connection's rate budget: a number above 0 and at most 1 (Double or text). */
    public static final String CALLER_SHARE = "BridgeCallerShare";

    /** Response: the HTTP status the service answered with. */
    public static final String STATUS = "BridgeHttpStatus";
    /** Response: which service answered, {@code highlevel} or {@code birdsend}. */
    public static final String SERVICE = "BridgeUpstreamService";

    /** The HighLevel API version every request must name. */
    public static final String HIGHLEVEL_VERSION_HEADER = "Version";

    private OutboundHeaders() {
    }
}
