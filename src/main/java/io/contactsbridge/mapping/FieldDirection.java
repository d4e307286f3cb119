package io.contactsbridge.mapping;

/** Which way a mapped field flows. */
public enum FieldDirection {
    /** Changes on either side are written to the other. */
    BOTH,
    /** BirdSend is the source: its changes are written to HighLevel, HighLevel's edits of the field stay there. */
    TO_HIGHLEVEL,
    /** HighLevel is the source: its changes are written to BirdSend, BirdSend's edits of the field stay there. */
    TO_BIRDSEND;

    /** Whether the bridge may write this field to {@code target}. */
    public boolean writes(Side target) {
        return this == BOTH || (this == TO_HIGHLEVEL ? target == Side.HIGHLEVEL : target == Side.BIRDSEND);
    }

    /** Whether changes made on {@code source} are carried to the other side. */
    public boolean readsFrom(Side source) {
        return writes(source.other());
    }
}
