package io.contactsbridge.boundaryfixture.sandbox;

import io.contactsbridge.boundaryfixture.product.ProductPart;
import io.contactsbridge.boundaryfixture.simulator.FakeSimulator;

/** The wiring may use both sides. */
public class Wiring {

    public Object[] parts() {
        return new Object[] {new ProductPart(), new FakeSimulator()};
    }
}
