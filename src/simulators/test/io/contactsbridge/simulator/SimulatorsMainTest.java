package io.contactsbridge.simulator;

import io.contactsbridge.simulator.sim.SimLauncher;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SimulatorsMainTest {

    @Test
    void eachSimulatorGetsItsOwnPortAndOptionsAndTheSharedHostAndTimeScale() {
        SimLauncher.Options all = SimLauncher.Options.parse("--host=0.0.0.0", "--time-scale=10", "--highlevel-port=9001",
                "--highlevel-seed=5", "--highlevel-webhook-url=http://bridge/webhooks", "--birdsend-seed=7");

        SimLauncher.Options highLevel = SimulatorsMain.optionsOf(all, "highlevel-", SimulatorsMain.DEFAULT_HIGHLEVEL_PORT);
        SimLauncher.Options birdSend = SimulatorsMain.optionsOf(all, "birdsend-", SimulatorsMain.DEFAULT_BIRDSEND_PORT);

        assertThat(highLevel).isEqualTo(new SimLauncher.Options("0.0.0.0", 9001, 10,
                Map.of("seed", "5", "webhook-url", "http://bridge/webhooks")));
        assertThat(birdSend).isEqualTo(new SimLauncher.Options("0.0.0.0", 8092, 10, Map.of("seed", "7")));
    }

    @Test
    void anOptionOfNoSimulatorIsRefusedWithTheNamesToUse() {
        SimLauncher.Options all = SimLauncher.Options.parse("--seed=5");

        assertThatThrownBy(() -> SimulatorsMain.optionsOf(all, "highlevel-", 8091))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--highlevel-seed or --birdsend-seed");
    }
}
