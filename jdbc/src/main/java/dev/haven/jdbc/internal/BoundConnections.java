package dev.haven.jdbc.internal;

import java.util.function.Predicate;

/**
 * The connections currently bound to a server, so that the monitor can abort the ones stuck on a server
 * that went down. An intrusive doubly linked list (the links live in {@link ConnectionHandler}), striped
 * by thread to keep lock contention low: registering allocates nothing, which a concurrent set would
 * (a node per connection, a third of Haven's per-statement garbage in the benchmarks).
 */
final class BoundConnections {

    private static final int STRIPES = 16;

    /** Cache-line padding before a stripe's list head (superclass fields are laid out first). */
    @SuppressWarnings("unused")
    private static class PadBefore {
        long p00, p01, p02, p03, p04, p05, p06, p07;
    }

    /** The list head, between the two paddings. */
    private static class Head extends PadBefore {
        ConnectionHandler head;
    }

    /**
     * One lock and list head. Padded on both sides of the head by a cache line: the stripes are allocated one after
     * the other, and unpadded they shared a cache line, so that every thread's lock bounced that line between the
     * cores (the registration was 15 % of Haven's CPU per statement at 4 threads on the stub driver).
     */
    @SuppressWarnings("unused")
    private static final class Stripe extends Head {
        long q00, q01, q02, q03, q04, q05, q06, q07;
    }

    private final Stripe[] stripes = new Stripe[STRIPES];

    BoundConnections() {
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    void add(ConnectionHandler h) {
        Stripe s = stripes[(int) (Thread.currentThread().getId() & (STRIPES - 1))];
        synchronized (s) {
            h.stripe = s;
            h.prevBound = null;
            h.nextBound = s.head;
            if (s.head != null) {
                s.head.prevBound = h;
            }
            s.head = h;
        }
    }

    /** @return whether {@code h} was registered */
    boolean remove(ConnectionHandler h) {
        Object stripe = h.stripe;
        if (stripe == null) {
            return false;
        }
        Stripe s = (Stripe) stripe;
        synchronized (s) {
            if (h.stripe != s) {
                return false;
            }
            if (h.prevBound != null) {
                h.prevBound.nextBound = h.nextBound;
            } else {
                s.head = h.nextBound;
            }
            if (h.nextBound != null) {
                h.nextBound.prevBound = h.prevBound;
            }
            h.prevBound = null;
            h.nextBound = null;
            h.stripe = null;
            return true;
        }
    }

    /** Applies {@code action} to every registered connection (under its stripe's lock: keep it short). */
    int forEach(Predicate<ConnectionHandler> action) {
        int n = 0;
        for (Stripe s : stripes) {
            synchronized (s) {
                for (ConnectionHandler h = s.head; h != null; h = h.nextBound) {
                    if (action.test(h)) {
                        n++;
                    }
                }
            }
        }
        return n;
    }
}
