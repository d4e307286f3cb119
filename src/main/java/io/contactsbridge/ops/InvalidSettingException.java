package io.contactsbridge.ops;

/** A setting is present but unusable; carries what a person needs to fix it. */
public class InvalidSettingException extends IllegalStateException {

    private final String property;
    private final String problem;
    private final String action;

    public InvalidSettingException(String property, String value, String problem, String action) {
        super("Setting " + property + "=" + value + " is unusable: " + problem);
        this.property = property;
        this.problem = problem;
        this.action = action;
    }

    public String property() {
        return property;
    }

    public String problem() {
        return problem;
    }

    public String action() {
        return action;
    }
}
