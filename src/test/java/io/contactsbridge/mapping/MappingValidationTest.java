package io.contactsbridge.mapping;

import org.junit.jupiter.api.Test;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.FileSystemResource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** Every problem a mapping file can have is reported with its line, and all of them at once. */
class MappingValidationTest {

    private static final String EMAIL_FIELD = """
              - name: email
                birdsend: email
                highlevel: email
                transforms: [trim, lowercase]
            """;

    private static List<MappingException.Problem> problems(String yaml) {
        MappingException e = catchThrowableOfType(MappingException.class, () -> ContactMapping.parse(yaml, "test.yaml"));
        assertThat(e).as("the mapping should be rejected").isNotNull();
        return e.problems();
    }

    private static MappingException.Problem problem(int line, String message) {
        return new MappingException.Problem(line, message);
    }

    @Test
    void theShippedMappingHasOnlyWhatEveryAccountHas() {
        ContactMapping mapping = ContactMapping.loadDefault();

        assertThat(mapping.sourceName()).isEqualTo("classpath:mapping/contacts.yaml");
        assertThat(mapping.defaultCountry()).isEqualTo(PhoneCountry.US);
        assertThat(mapping.fields()).extracting(FieldRule::name).containsExactly("email", "firstName", "lastName",
                "tags", "unsubscribed", "source");
        assertThat(mapping.emailField()).isEqualTo("email");
        assertThat(mapping.phoneField()).isEmpty();
        // Nothing a location or an account has to be given first: HighLevel custom fields, BirdSend custom fields.
        assertThat(mapping.highLevelCustomFieldKeys()).isEmpty();
        assertThat(mapping.birdSendFieldKeys()).containsExactly("first_name", "last_name");
        FieldRule source = mapping.field("source").orElseThrow();
        assertThat(source.direction()).isEqualTo(FieldDirection.TO_HIGHLEVEL);
        assertThat(source.defaultValue()).isEqualTo("BirdSend");
        assertThat(source.isOneSided()).isTrue();
        assertThat(mapping.field("tags").orElseThrow().kind()).isEqualTo(FieldKind.TAGS);
        assertThat(mapping.field("unsubscribed").orElseThrow().kind()).isEqualTo(FieldKind.BOOLEAN);
    }

    @Test
    void theSandboxMappingAddsTheSandboxAccountsFields() {
        ContactMapping mapping = ContactMapping.load(new ClassPathResource("mapping/contacts-sandbox.yaml"));

        assertThat(mapping.fields()).extracting(FieldRule::name).containsExactly("email", "firstName", "lastName",
                "phone", "company", "favouriteColour", "tags", "unsubscribed", "source");
        assertThat(mapping.phoneField()).contains("phone");
        assertThat(mapping.highLevelCustomFieldKeys()).containsExactly("contact.favourite_colour");
        assertThat(mapping.birdSendFieldKeys()).containsExactly("company", "favourite_colour", "first_name",
                "last_name", "phone");
        assertThat(mapping.field("phone").orElseThrow().transforms()).containsExactly(TextTransform.E164);
    }

    /** The shipped examples are ready to uncomment: removing the "# " gives the sandbox mapping's fields. */
    @Test
    void theShippedExamplesWorkUncommented() throws Exception {
        String shipped = new String(new ClassPathResource("mapping/contacts.yaml").getInputStream().readAllBytes(),
                java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder uncommented = new StringBuilder();
        boolean examples = false;
        for (String line : shipped.split("\n", -1)) {
            examples |= line.contains("---- examples");
            // YAML in the examples is "  # - name: ..." or "  #   birdsend: ..."; prose follows "# " with a word.
            uncommented.append(examples && line.matches("  # (- |  ).*") ? "  " + line.substring(4) : line).append('\n');
        }
        ContactMapping mapping = ContactMapping.parse(uncommented.toString(), "uncommented.yaml");
        ContactMapping sandbox = ContactMapping.load(new ClassPathResource("mapping/contacts-sandbox.yaml"));

        assertThat(mapping.fields()).extracting(FieldRule::name).containsExactlyInAnyOrderElementsOf(
                sandbox.fields().stream().map(FieldRule::name).toList());
        for (FieldRule rule : sandbox.fields()) {
            FieldRule example = mapping.field(rule.name()).orElseThrow();
            assertThat(List.of(example.birdsendPath() == null ? "" : example.birdsendPath(), example.highlevelPaths(),
                    example.direction(), example.transforms(), example.kind()))
                    .as(rule.name()).isEqualTo(List.of(rule.birdsendPath() == null ? "" : rule.birdsendPath(),
                            rule.highlevelPaths(), rule.direction(), rule.transforms(), rule.kind()));
        }
    }

    @Test
    void theMessageNamesTheFileAndLine() {
        String yaml = "fields:\n" + EMAIL_FIELD + """
                  - name: lastName
                    birdsend: fields.last_name
                    highlevel: lastName
                    transforms: [trim, uppercse]
                """;
        MappingException e = catchThrowableOfType(MappingException.class,
                () -> ContactMapping.parse(yaml, "classpath:mapping/contacts.yaml"));

        assertThat(e.getMessage()).isEqualTo("Contact mapping classpath:mapping/contacts.yaml, line 9: unknown transform "
                + "'uppercse' for field 'lastName' (known: trim, lowercase, uppercase, capitalize, collapse-spaces, e164, date)");
        assertThat(e.sourceName()).isEqualTo("classpath:mapping/contacts.yaml");
    }

    @Test
    void unknownKeysSuggestTheClosestKnownOne() {
        assertThat(problems("""
                defaultContry: GB
                fields:
                  - name: email
                    birdsend: email
                    highlevel: email
                    transfroms: [lowercase]
                    colour: blue
                """)).containsExactly(
                problem(1, "unknown top-level key 'defaultContry' (did you mean 'defaultCountry'?)"),
                problem(6, "unknown key 'transfroms' for field 'email' (did you mean 'transforms'?)"),
                problem(7, "unknown key 'colour' for field 'email' (known: name, birdsend, highlevel, direction, "
                        + "owner, transforms, default)"));
    }

    @Test
    void missingAndDuplicateNames() {
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - birdsend: fields.city
                    highlevel: city
                  - name: email
                    birdsend: fields.email2
                    highlevel: customFields.email2
                  - name: "9lives"
                    birdsend: fields.cat
                    highlevel: customFields.cat
                """)).containsExactly(
                problem(6, "a field has no 'name'"),
                problem(8, "duplicate field name 'email' (first used at line 2)"),
                problem(11, "field name '9lives' must start with a letter and contain only letters, digits, '_' and '-'"));
    }

    @Test
    void badDirectionOwnerAndTransform() {
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - name: city
                    birdsend: fields.city
                    highlevel: city
                    direction: to-hl
                  - name: state
                    birdsend: fields.state
                    highlevel: state
                    owner: bird
                    transforms: [trim, Capitalise]
                """)).containsExactly(
                problem(9, "unknown direction 'to-hl' for field 'city' (known: both, to-highlevel, to-birdsend)"),
                problem(13, "unknown owner 'bird' for field 'state' (known: birdsend, highlevel)"),
                problem(14, "unknown transform 'Capitalise' for field 'state' (known: trim, lowercase, uppercase, "
                        + "capitalize, collapse-spaces, e164, date)"));
    }

    @Test
    void invalidPathsOnEitherSide() {
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - name: first
                    birdsend: fields.First Name
                    highlevel: frstName
                  - name: misc
                    birdsend: custom.misc
                    highlevel: customFields.Misc Field
                  - name: three
                    birdsend: fields.three
                    highlevel: [firstName, lastName, name]
                """)).containsExactly(
                problem(7, "invalid birdsend path 'fields.First Name' for field 'first' (valid: email, tags, "
                        + "unsubscribed, fields.<key> with a key of lower-case letters, digits and _)"),
                problem(8, "invalid highlevel path 'frstName' for field 'first' (did you mean 'firstName'?)"),
                problem(10, "invalid birdsend path 'custom.misc' for field 'misc' (valid: email, tags, unsubscribed, "
                        + "fields.<key> with a key of lower-case letters, digits and _)"),
                problem(11, "invalid highlevel path 'customFields.Misc Field' for field 'misc' (valid: email, tags, dnd, "
                        + "customFields.<key>, firstName, lastName, name, phone, address1, city, state, postalCode, "
                        + "website, timezone, dateOfBirth, country, companyName, source, gender, assignedTo)"),
                problem(14, "the highlevel paths of field 'three' must be one path or a list of two (a name split "
                        + "into first word and rest), not 3"));
    }

    @Test
    void kindsMustMatch() {
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - name: tags
                    birdsend: tags
                    highlevel: firstName
                  - name: unsubscribed
                    birdsend: fields.optout
                    highlevel: dnd
                  - name: labels
                    highlevel: tags
                    default: x
                  - name: other
                    birdsend: email
                    highlevel: customFields.other_email
                """)).containsExactly(
                problem(8, "field 'tags' maps birdsend 'tags' to highlevel 'firstName': tags can only map to tags "
                        + "(birdsend 'tags' <-> highlevel 'tags')"),
                problem(11, "field 'unsubscribed' maps birdsend 'fields.optout' to highlevel 'dnd': the unsubscribe "
                        + "flag can only map to HighLevel's dnd (birdsend 'unsubscribed' <-> highlevel 'dnd')"),
                problem(12, "field 'labels' maps highlevel 'tags' on one side only: it must map birdsend 'tags' to "
                        + "highlevel 'tags' (tags can only map to tags)"),
                problem(16, "birdsend 'email' of field 'other' is already mapped by field 'email' at line 2"),
                problem(17, "field 'other' maps birdsend 'email' to highlevel 'customFields.other_email': the email "
                        + "identifies a contact on both sides (birdsend 'email' <-> highlevel 'email')"));
    }

    @Test
    void transformsMustFitTheKind() {
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - name: tags
                    birdsend: tags
                    highlevel: tags
                    transforms: [collapse-spaces, e164]
                  - name: unsubscribed
                    birdsend: unsubscribed
                    highlevel: dnd
                    transforms:
                      - e164
                """)).containsExactly(
                problem(9, "transform 'e164' cannot be used on field 'tags': it applies to text fields, and tags "
                        + "(always lower case) take only trim, lowercase, collapse-spaces"),
                problem(14, "transform 'e164' cannot be used on field 'unsubscribed': it applies to text fields, and "
                        + "this field is a yes/no flag"));
    }

    @Test
    void highLevelRewritesNeedTheMatchingTransform() {
        assertThat(problems("""
                fields:
                  - name: email
                    birdsend: email
                    highlevel: email
                    transforms: [lowercase, capitalize]
                  - name: phone
                    birdsend: fields.phone
                    highlevel: phone
                  - name: birthday
                    birdsend: fields.birthday
                    highlevel: dateOfBirth
                    transforms: [trim]
                """)).containsExactly(
                problem(5, "field 'email' maps highlevel 'email', which HighLevel stores in lower case: its transforms "
                        + "must end in 'lowercase' (e.g. [trim, lowercase])"),
                problem(8, "field 'phone' maps highlevel 'phone', which HighLevel stores in E.164 form: add the "
                        + "transform 'e164'"),
                problem(12, "field 'birthday' maps highlevel 'dateOfBirth', which HighLevel stores as a date-time: add "
                        + "the transform 'date'"));
    }

    @Test
    void oneSidedFieldsNeedADefaultAndTheirSidesDirection() {
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - name: source
                    highlevel: source
                  - name: origin
                    birdsend: fields.origin
                    direction: to-highlevel
                    default: HighLevel
                  - name: nothing
                    direction: both
                """)).containsExactly(
                problem(6, "field 'source' is only mapped on highlevel and needs a 'default': the constant written there"),
                problem(10, "field 'origin' is only mapped on birdsend, so its direction must be to-birdsend (it is a "
                        + "constant written there)"),
                problem(12, "field 'nothing' maps neither side: give it 'birdsend', 'highlevel' or both"));
    }

    @Test
    void ownersDefaultsAndSharedPaths() {
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - name: city
                    birdsend: fields.city
                    highlevel: city
                    owner: highlevel
                  - name: town
                    birdsend: fields.town
                    highlevel: city
                  - name: full
                    birdsend: fields.full_name
                    highlevel: name
                  - name: first
                    birdsend: fields.first_name
                    highlevel: [firstName, phone]
                  - name: tags
                    birdsend: tags
                    highlevel: tags
                    default: vip
                  - name: note
                    highlevel: customFields.note
                    default: "   "
                    owner: birdsend
                """)).containsExactly(
                problem(12, "highlevel 'city' of field 'town' is already mapped by field 'city' at line 6"),
                problem(18, "highlevel 'phone' cannot be a part of the split field 'first' (split parts are plain text "
                        + "properties or custom fields)"),
                problem(18, "highlevel 'name' (field 'full') is firstName and lastName together, so it cannot be mapped "
                        + "along with 'firstName' (field 'first')"),
                problem(22, "field 'tags' cannot have a default: defaults are for text fields"),
                problem(25, "the default of field 'note' is empty"),
                problem(26, "owner 'birdsend' of field 'note' is not a side the field is mapped on"));
    }

    @Test
    void highLevelNameCannotBeMappedWithItsParts() {
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - name: full
                    birdsend: fields.full_name
                    highlevel: name
                  - name: first
                    birdsend: fields.first_name
                    highlevel: firstName
                """)).containsExactly(problem(11, "highlevel 'name' (field 'full') is firstName and lastName together, "
                + "so it cannot be mapped along with 'firstName' (field 'first')"));
    }

    @Test
    void theEmailFieldIsRequired() {
        assertThat(problems("""
                defaultCountry: DE
                fields:
                  - name: city
                    birdsend: fields.city
                    highlevel: city
                """)).containsExactly(problem(2, "no field maps birdsend 'email' to highlevel 'email': the email "
                + "identifies a contact on both sides"));
        assertThat(problems("defaultCountry: DE\n")).containsExactly(
                problem(1, "missing 'fields': the list of mapped fields"),
                problem(1, "no field maps birdsend 'email' to highlevel 'email': the email identifies a contact on both sides"));
    }

    @Test
    void unknownCountry() {
        assertThat(problems("defaultCountry: Narnia\nfields:\n" + EMAIL_FIELD)).containsExactly(
                problem(1, "unknown defaultCountry 'Narnia' (known: US, CA, GB, DE, FR, AU, NL, IE, ES, IT, IN)"));
        assertThat(ContactMapping.parse("defaultCountry: uk\nfields:\n" + EMAIL_FIELD, "t").defaultCountry())
                .isEqualTo(PhoneCountry.GB);
    }

    @Test
    void yamlSyntaxErrorsNameTheirLine() {
        assertThat(problems("""
                fields:
                  - name: email
                    birdsend: email
                    highlevel: [email
                  - name: other
                """)).singleElement().satisfies(p -> {
            assertThat(p.line()).isEqualTo(5);
            assertThat(p.message()).startsWith("YAML syntax error: ");
        });
        assertThat(problems("fields:\n  - name: a\n   birdsend: email\n")).singleElement()
                .satisfies(p -> assertThat(p.line()).isEqualTo(3));
    }

    @Test
    void structuralProblems() {
        assertThat(problems("")).containsExactly(problem(1, "the file is empty; it needs a 'fields' list"));
        assertThat(problems("- a\n- b\n")).containsExactly(
                problem(1, "the top level must be a mapping with the keys defaultCountry, fields"));
        assertThat(problems("fields: email\n")).containsExactly(
                problem(1, "'fields' must be a list of fields, each starting with '- name:'"),
                problem(1, "no field maps birdsend 'email' to highlevel 'email': the email identifies a contact on both sides"));
        assertThat(problems("fields:\n" + EMAIL_FIELD + """
                  - just a word
                  - name: city
                    name: town
                    birdsend:
                      nested: value
                    highlevel: city
                """)).containsExactly(
                problem(6, "each entry of 'fields' must be a mapping (name, birdsend, highlevel, ...)"),
                problem(8, "'name' is given twice for field 'city' (first at line 7)"),
                problem(10, "the birdsend path of field 'city' must be a single value, not a mapping"));
    }

    @Test
    void severalProblemsAreReportedTogetherInLineOrder() {
        String yaml = """
                defaultCountry: XX
                fields:
                  - name: email
                    birdsend: email
                    highlevel: email
                    transforms: [lowercase]
                  - name: first
                    birdsend: fields.first_name
                    highlevel: firstName
                    transforms: [trim, uppercse]
                  - name: first
                    birdsend: fields.last_name
                    highlevel: lastname
                """;
        MappingException e = catchThrowableOfType(MappingException.class, () -> ContactMapping.parse(yaml, "m.yaml"));

        assertThat(e.problems()).extracting(MappingException.Problem::line).containsExactly(1, 10, 11, 13);
        assertThat(e.getMessage().lines()).containsExactly(
                "Contact mapping m.yaml, line 1: unknown defaultCountry 'XX' (known: US, CA, GB, DE, FR, AU, NL, IE, ES, IT, IN)",
                "Contact mapping m.yaml, line 10: unknown transform 'uppercse' for field 'first' (known: trim, lowercase, "
                        + "uppercase, capitalize, collapse-spaces, e164, date)",
                "Contact mapping m.yaml, line 11: duplicate field name 'first' (first used at line 7)",
                "Contact mapping m.yaml, line 13: invalid highlevel path 'lastname' for field 'first' (did you mean 'lastName'?)");
    }

    @Test
    void resourcesAreNamedInMessages(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path file = dir.resolve("bad.yaml");
        Files.writeString(file, "fields:\n  - name: x\n");
        MappingException fromFile = catchThrowableOfType(MappingException.class,
                () -> ContactMapping.load(new FileSystemResource(file)));
        assertThat(fromFile.getMessage()).startsWith("Contact mapping " + file + ", line 1: ");

        MappingException missing = catchThrowableOfType(MappingException.class,
                () -> ContactMapping.load(new ClassPathResource("mapping/none.yaml")));
        assertThat(missing.getMessage()).isEqualTo("Contact mapping classpath:mapping/none.yaml: the file does not exist");

        ContactMapping fromBytes = ContactMapping.load(new ByteArrayResource(("fields:\n" + EMAIL_FIELD).getBytes(),
                "inline mapping"));
        assertThat(fromBytes.sourceName()).isEqualTo("Byte array resource [inline mapping]");
    }
}
