package io.contactsbridge.simulator.sim;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NumberBlockTest {

    @Test
    void everyIndexGivesAnotherNumberOfTheBlockUntilItIsUsedUp() {
        NumberBlock block = new NumberBlock(4, 7_919);
        Set<Long> numbers = new HashSet<>();
        for (long i = 0; i < block.size(); i++) {
            long n = block.number(i);
            assertThat(n).isBetween(0L, 9_999L);
            numbers.add(n);
        }
        assertThat(numbers).hasSize(10_000);
        assertThatThrownBy(() -> block.number(10_000)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("used up");
    }

    @Test
    void theSameIndexAlwaysGivesTheSameNumberAndNeighboursAreApart() {
        NumberBlock block = new NumberBlock(6, 42);
        assertThat(new NumberBlock(6, 42).number(12_345)).isEqualTo(block.number(12_345));
        assertThat(Math.abs(block.number(1) - block.number(0))).isGreaterThan(1_000);
        assertThat(new NumberBlock(6, 43).number(0)).isNotEqualTo(block.number(0));
        assertThatThrownBy(() -> new NumberBlock(0, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
