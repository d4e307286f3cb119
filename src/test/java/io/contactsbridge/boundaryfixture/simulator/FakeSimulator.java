package io.contactsbridge.boundaryfixture.simulator;

/** A simulator class that keeps to the rule. */
public class FakeSimulator {

    public String name() {
        return "fake";
    }
}
