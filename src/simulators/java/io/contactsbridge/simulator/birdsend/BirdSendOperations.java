package io.contactsbridge.simulator.birdsend;

/**
 * Operation names of the simulator's routes, as {@code /__admin/calls}, {@code CallRecorder} and
 * fault scoping ({@code FaultConfig.operations}) know them.
 */
public final class BirdSendOperations {

    public static final String GET_ACCOUNT = "get-account";
    public static final String LIST_CONTACTS = "list-contacts";
    public static final String GET_CONTACT = "get-contact";
    public static final String CREATE_CONTACT = "create-contact";
    public static final String UPDATE_CONTACT = "update-contact";
    public static final String DELETE_CONTACT = "delete-contact";
    public static final String SUBSCRIBE_CONTACT = "subscribe-contact";
    public static final String UNSUBSCRIBE_CONTACT = "unsubscribe-contact";
    public static final String ADD_CONTACT_TAGS = "add-contact-tags";
    public static final String REMOVE_CONTACT_TAG = "remove-contact-tag";
    public static final String LIST_TAGS = "list-tags";
    public static final String LIST_FIELDS = "list-fields";
    public static final String LIST_SEQUENCES = "list-sequences";
    public static final String LIST_FORMS = "list-forms";
    public static final String LIST_BROADCASTS = "list-broadcasts";
    public static final String CREATE_BROADCAST = "create-broadcast";
    public static final String GET_BROADCAST = "get-broadcast";
    /** The OAuth endpoints are neither authenticated by bearer token nor rate limited. */
    public static final String OAUTH_AUTHORIZE = "oauth-authorize";
    public static final String OAUTH_TOKEN = "oauth-token";

    private BirdSendOperations() {
    }

    static boolean isOAuth(String operation) {
        return OAUTH_AUTHORIZE.equals(operation) || OAUTH_TOKEN.equals(operation);
    }
}
