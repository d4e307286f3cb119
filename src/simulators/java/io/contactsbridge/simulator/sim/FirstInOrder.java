package io.contactsbridge.simulator.sim;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

/**
 * One page of a list in a given order, without sorting the whole list: the first {@code skip + limit} items are kept
 * in a bounded heap while the items stream past, so a page of a 100,000-contact account costs n log(page) rather
 * than n log n (a poller asks for the first page of a large account several times a second). Ties must be broken by
 * the order itself (every simulated list ends its order with the id), so the page is the same as a full sort's.
 */
public final class FirstInOrder<T> {

    private final Comparator<? super T> order;
    private final int skip;
    private final int keep;
    private final PriorityQueue<T> lastKeptFirst;
    private int total;

    public FirstInOrder(Comparator<? super T> order, long skip, int limit) {
        this.order = order;
        this.skip = (int) Math.min(Integer.MAX_VALUE - (long) Math.max(0, limit), Math.max(0, skip));
        this.keep = this.skip + Math.max(0, limit);
        this.lastKeptFirst = new PriorityQueue<>(Math.max(1, Math.min(keep, 1024)), order.reversed());
    }

    /** Counts {@code item} towards the total and keeps it if it is among the first {@code skip + limit}. */
    public void offer(T item) {
        total++;
        if (keep == 0) {
            return;
        }
        if (lastKeptFirst.size() < keep) {
            lastKeptFirst.add(item);
        } else if (order.compare(item, lastKeptFirst.peek()) < 0) {
            lastKeptFirst.poll();
            lastKeptFirst.add(item);
        }
    }

    /** Items offered so far. */
    public int total() {
        return total;
    }

    /** The page: items {@code skip} to {@code skip + limit} of all offered, in order. */
    public List<T> page() {
        List<T> kept = new ArrayList<>(lastKeptFirst);
        kept.sort(order);
        return kept.size() <= skip ? List.of() : kept.subList(skip, kept.size());
    }
}
