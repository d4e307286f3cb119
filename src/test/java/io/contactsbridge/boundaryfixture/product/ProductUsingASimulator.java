package io.contactsbridge.boundaryfixture.product;

import io.contactsbridge.boundaryfixture.simulator.FakeSimulator;

/** Breaks the rule: product code that uses a simulator. */
public class ProductUsingASimulator {

    public String name() {
        return new FakeSimulator().name();
    }
}
