package io.contactsbridge.mapping;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A contact mapping file that cannot be used. Carries every problem found, each with its line, so a person
 * can fix them all in one go; the message has one line per problem.
 */
public class MappingException extends RuntimeException {

    /**
     * One problem in the file.
     *
     * @param line    1-based line, or 0 when the problem concerns the file as a whole
     * @param message what is wrong, naming the field and the offending value
     */
    public record Problem(int line, String message) {
    }

    private final String sourceName;
    private final List<Problem> problems;

    public MappingException(String sourceName, List<Problem> problems) {
        super(format(sourceName, problems));
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a mapping exception needs at least one problem");
        }
        this.sourceName = sourceName;
        this.problems = List.copyOf(problems);
    }

    /** The file, as named in messages ({@code classpath:mapping/contacts.yaml}, a path or a URL). */
    public String sourceName() {
        return sourceName;
    }

    public List<Problem> problems() {
        return problems;
    }

    /** One problem as a full sentence: {@code Contact mapping <file>, line <n>: <message>}. */
    public static String describe(String sourceName, Problem problem) {
        return "Contact mapping " + sourceName + (problem.line() > 0 ? ", line " + problem.line() : "") + ": "
                + problem.message();
    }

    private static String format(String sourceName, List<Problem> problems) {
        return problems.stream().map(p -> describe(sourceName, p)).collect(Collectors.joining("\n"));
    }
}
