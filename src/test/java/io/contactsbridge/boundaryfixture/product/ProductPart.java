package io.contactsbridge.boundaryfixture.product;

/** A product class that keeps to the rule. */
public class ProductPart {
}
