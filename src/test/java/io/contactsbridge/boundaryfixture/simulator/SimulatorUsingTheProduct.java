package io.contactsbridge.boundaryfixture.simulator;

import io.contactsbridge.boundaryfixture.product.ProductPart;

/** Breaks the rule: a simulator that uses product code. */
public class SimulatorUsingTheProduct {

    public Object part() {
        return new ProductPart();
    }
}
