package io.contactsbridge.simulator.sim;

/**
 * A block of {@code 10^digits} numbers handed out by index, for seeders that must give every person a different phone
 * number without drawing at random until a free one turns up (which slows down as the block fills and never ends once
 * it is full). Index {@code i} maps to a distinct number in {@code [0, size)}: an affine permutation with a multiplier
 * coprime to 10, so consecutive people get numbers that do not look consecutive, and the same index always gives the
 * same number.
 */
public final class NumberBlock {

    /** Odd and not a multiple of 5, so coprime to every power of ten: {@code i -> i * MULTIPLIER mod 10^k} is a bijection. */
    private static final long MULTIPLIER = 618_033;

    private final long size;
    private final long offset;

    /**
     * @param digits how many digits vary (1 to 9)
     * @param salt   shifts the permutation, so two blocks of one seeder do not line up
     */
    public NumberBlock(int digits, long salt) {
        if (digits < 1 || digits > 9) {
            throw new IllegalArgumentException("digits must be 1 to 9, was " + digits);
        }
        long s = 1;
        for (int i = 0; i < digits; i++) {
            s *= 10;
        }
        this.size = s;
        this.offset = Math.floorMod(salt, s);
    }

    /** How many numbers the block holds. */
    public long size() {
        return size;
    }

    /** The {@code index}-th number of the block; different indices give different numbers. */
    public long number(long index) {
        if (index < 0 || index >= size) {
            throw new IllegalStateException("the block of " + size + " numbers is used up (index " + index + ")");
        }
        // index < 10^9 and MULTIPLIER < 10^6: the product stays far below Long.MAX_VALUE.
        return (index * MULTIPLIER + offset) % size;
    }
}
