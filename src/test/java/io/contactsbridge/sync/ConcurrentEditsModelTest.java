package io.contactsbridge.sync;

import io.contactsbridge.mapping.Side;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The model's conflict window: W counts the time the bridge ran, not the wall time between two edits. */
class ConcurrentEditsModelTest {

    private static final long W = 6_500;

    @Test
    void editsOnBothSidesFartherApartThanTheWindowExpectTheLaterOne() {
        ConcurrentEditsModel model = new ConcurrentEditsModel(W);
        ConcurrentEditsModel.Person ada = ada(model);

        assertThat(model.acceptable(ada, "firstName", Side.BIRDSEND)).containsExactly("Ada-e53");
    }

    @Test
    void anEditJustBeforeAStopAndOneJustAfterTheStartAreConcurrent() {
        // The HighLevel edit could not travel while the bridge was down: 0.4 s of running time separate the two.
        ConcurrentEditsModel model = new ConcurrentEditsModel(W);
        ConcurrentEditsModel.Person ada = ada(model);
        model.bridgeDown(11_600, 23_500);

        assertThat(model.acceptable(ada, "firstName", Side.BIRDSEND)).containsExactlyInAnyOrder("Ada-e53", "Ada-e37");
        assertThat(model.acceptable(ada, "firstName", Side.HIGHLEVEL)).containsExactlyInAnyOrder("Ada-e53", "Ada-e37");
    }

    @Test
    void aLongRunningStretchBetweenThemStillExpectsTheLaterOne() {
        ConcurrentEditsModel model = new ConcurrentEditsModel(W);
        ConcurrentEditsModel.Person ada = ada(model);
        model.bridgeDown(12_000, 14_000); // 10.3 s of running time remain between the edits

        assertThat(model.acceptable(ada, "firstName", Side.BIRDSEND)).containsExactly("Ada-e53");
    }

    /** A BirdSend person whose first name was edited in HighLevel at 11.38 s and in BirdSend at 23.696 s. */
    private static ConcurrentEditsModel.Person ada(ConcurrentEditsModel model) {
        ConcurrentEditsModel.Person ada = new ConcurrentEditsModel.Person("p", "ada@example.org",
                ConcurrentEditsModel.Kind.BIRDSEND_ONLY, Side.BIRDSEND);
        ada.initial.put("firstName", "Ada");
        ada.history.add(new ConcurrentEditsModel.Edit(37, 11_380, Side.HIGHLEVEL, ConcurrentEditsModel.Op.SET_FIELD,
                "firstName", "Ada-e37", null, "backfill running"));
        ada.history.add(new ConcurrentEditsModel.Edit(53, 23_696, Side.BIRDSEND, ConcurrentEditsModel.Op.SET_FIELD,
                "firstName", "Ada-e53", null, "backfill running"));
        model.add(ada);
        return ada;
    }
}
