package io.contactsbridge.simulator.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class FirstInOrderTest {

    record Item(int value, int id) {
    }

    static final Comparator<Item> ORDER = Comparator.comparingInt(Item::value).thenComparingInt(Item::id);

    @Test
    void everyPageIsTheSameAsAFullSortsPage() {
        Random random = new Random(20261203);
        for (int round = 0; round < 200; round++) {
            int n = random.nextInt(300);
            List<Item> items = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                items.add(new Item(random.nextInt(20), i)); // many ties, broken by id
            }
            int skip = random.nextInt(n + 5);
            int limit = random.nextInt(40);
            Comparator<Item> order = random.nextBoolean() ? ORDER : ORDER.reversed();

            FirstInOrder<Item> first = new FirstInOrder<>(order, skip, limit);
            items.forEach(first::offer);

            List<Item> sorted = new ArrayList<>(items);
            sorted.sort(order);
            List<Item> expected = sorted.subList(Math.min(skip, n), Math.min(n, skip + limit));
            assertThat(first.page()).as("n=%d skip=%d limit=%d", n, skip, limit).isEqualTo(expected);
            assertThat(first.total()).isEqualTo(n);
        }
    }
}
