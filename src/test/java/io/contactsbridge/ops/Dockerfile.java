package io.contactsbridge.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The repository's Dockerfile as the container tests read it: comment lines dropped, continued lines joined, the
 * instructions grouped by build stage. Only what the Dockerfile uses is understood; anything else fails a test loudly.
 */
record Dockerfile(List<Stage> stages) {

    static final Path PATH = Path.of("Dockerfile");

    record Instruction(int line, String keyword, String arguments) {
    }

    record Stage(String name, List<Instruction> instructions) {

        List<Instruction> all(String keyword) {
            return instructions.stream().filter(i -> i.keyword().equals(keyword)).toList();
        }

        /** The one instruction of this kind in the stage (the last one counts for Docker; the tests want one). */
        String one(String keyword) {
            List<Instruction> found = all(keyword);
            if (found.size() != 1) {
                throw new AssertionError("expected one " + keyword + " in stage " + name + " of the Dockerfile, found "
                        + found);
            }
            return found.get(0).arguments();
        }

        /** Its ENV variables, from {@code ENV KEY="value" KEY2=value} (the form the Dockerfile uses). */
        Map<String, String> env() {
            Map<String, String> env = new LinkedHashMap<>();
            for (Instruction i : all("ENV")) {
                Matcher m = KEY_VALUE.matcher(i.arguments());
                int end = 0;
                while (m.find()) {
                    if (!i.arguments().substring(end, m.start()).isBlank()) {
                        throw new AssertionError("ENV in another form than KEY=value at line " + i.line());
                    }
                    env.put(m.group(1), m.group(2) != null ? m.group(2) : m.group(3));
                    end = m.end();
                }
            }
            return env;
        }

        /** The exec form of ENTRYPOINT, as the arguments the container starts with. */
        List<String> entrypoint() {
            try {
                return new ObjectMapper().readValue(one("ENTRYPOINT"), new TypeReference<List<String>>() { });
            } catch (IOException e) {
                throw new AssertionError("ENTRYPOINT is not in exec form (a JSON array): " + e.getMessage());
            }
        }
    }

    private static final Pattern KEY_VALUE = Pattern.compile("([A-Za-z_][A-Za-z0-9_]*)=(?:\"([^\"]*)\"|(\\S*))");
    private static final Pattern FROM = Pattern.compile("(?i)(\\S+)(?:\\s+AS\\s+(\\S+))?");

    static Dockerfile read() throws IOException {
        List<String> lines = Files.readAllLines(PATH);
        List<Stage> stages = new ArrayList<>();
        List<Instruction> current = null;
        StringBuilder logical = new StringBuilder();
        int startLine = 0;
        for (int n = 0; n < lines.size(); n++) {
            String line = lines.get(n);
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue; // comments may also sit between continued lines; Docker drops them too
            }
            if (logical.isEmpty()) {
                startLine = n + 1;
            }
            String stripped = line.strip();
            if (stripped.endsWith("\\")) {
                logical.append(stripped, 0, stripped.length() - 1).append(' ');
                continue;
            }
            logical.append(stripped);
            String text = logical.toString().strip();
            logical.setLength(0);
            String[] parts = text.split("\\s+", 2);
            Instruction instruction = new Instruction(startLine, parts[0].toUpperCase(Locale.ROOT),
                    parts.length > 1 ? parts[1].strip().replaceAll("\\s+", " ") : "");
            if (instruction.keyword().equals("FROM")) {
                Matcher m = FROM.matcher(instruction.arguments());
                if (!m.matches()) {
                    throw new AssertionError("FROM not understood at line " + startLine + ": " + text);
                }
                current = new ArrayList<>();
                current.add(instruction);
                stages.add(new Stage(m.group(2) != null ? m.group(2) : "stage-" + stages.size(), current));
            } else if (current != null) {
                current.add(instruction);
            } // else: an ARG before the first FROM, for the FROM lines
        }
        if (stages.isEmpty()) {
            throw new AssertionError("the Dockerfile has no FROM");
        }
        return new Dockerfile(List.copyOf(stages));
    }

    /** The image that runs: the last stage. */
    Stage runtime() {
        return stages.get(stages.size() - 1);
    }

    Stage stage(String name) {
        return stages.stream().filter(s -> s.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("the Dockerfile has no stage " + name));
    }
}
