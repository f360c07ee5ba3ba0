package dev.haven.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.haven.Consistency;
import dev.haven.Endpoint;
import dev.haven.Position;
import dev.haven.Role;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Routing decides on live endpoint state that other threads change while it runs (JDBC flips a pool's
 * saturation on every bind, the monitor flips availability and freshness, requests move in-flight counts).
 * Whatever they do, routing returns one of the candidates it was given, never throws.
 */
class RouterConcurrencyTest {

    private static final int ROUTERS = 8;
    private static final int ROUTES_PER_THREAD = 250_000;

    @Test
    void eightThreadsRouteTwoMillionTimesWhileStateFlipsWithoutASingleException() throws Exception {
        long now = 1_000_000_000_000L;
        List<EndpointState> states = new ArrayList<>();
        EndpointState writer = state(Endpoint.of("w", 1).withRole(Role.WRITER).withLocation("r1", "a"));
        writer.up(true);
        states.add(writer);
        String[] zones = {"a", "a", "b", "c", "a", "b"};
        for (int i = 0; i < zones.length; i++) {
            EndpointState s = state(Endpoint.of("r" + i, 1).withRole(Role.READER).withLocation("r1", zones[i]));
            s.up(true);
            s.freshAsOf(now);
            s.position(Position.offset(1000));
            states.add(s);
        }
        Set<String> ids = states.stream().map(EndpointState::id).collect(Collectors.toSet());
        Router router = new Router("r1", "a");
        Consistency[] consistencies = {Consistency.EVENTUAL, Consistency.SESSION,
                Consistency.boundedStaleness(Duration.ofMillis(500)), Consistency.STRONG};

        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        AtomicLong routed = new AtomicLong();
        AtomicLong foreign = new AtomicLong();
        AtomicLong flips = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        // Two flippers change every field the router reads, as fast as they can.
        for (int f = 0; f < 2; f++) {
            threads.add(new Thread(() -> {
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!stop.get()) {
                    EndpointState s = states.get(1 + rnd.nextInt(states.size() - 1));
                    switch (rnd.nextInt(5)) {
                        case 0 -> s.saturated(!s.saturated());
                        case 1 -> s.up(!s.up());
                        case 2 -> s.freshAsOf(rnd.nextBoolean() ? now : now - 2_000_000_000L);
                        case 3 -> s.position(Position.offset(995 + rnd.nextInt(10)));
                        default -> {
                            s.begin();
                            s.end(rnd.nextLong(100_000, 5_000_000));
                        }
                    }
                    flips.incrementAndGet();
                }
            }, "flipper-" + f));
        }
        CountDownLatch done = new CountDownLatch(ROUTERS);
        for (int t = 0; t < ROUTERS; t++) {
            threads.add(new Thread(() -> {
                try {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < ROUTES_PER_THREAD && !stop.get(); i++) {
                        Consistency c = consistencies[i & 3];
                        Position session = (i & 4) == 0 ? null : Position.offset(1000);
                        double r = rnd.nextDouble();
                        Endpoint first = router.firstForRead(states, c, session, true, now, r, null);
                        if (first != null && !ids.contains(first.id())) {
                            foreign.incrementAndGet();
                        }
                        if ((i & 63) == 0) {
                            for (Endpoint e : router.forRead(states, c, session, true, now, r, null)) {
                                if (!ids.contains(e.id())) {
                                    foreign.incrementAndGet();
                                }
                            }
                        }
                        routed.incrementAndGet();
                    }
                } catch (Throwable e) {
                    errors.add(e);
                } finally {
                    done.countDown();
                }
            }, "router-" + t));
        }
        threads.forEach(Thread::start);
        boolean finished = done.await(120, TimeUnit.SECONDS); // bounded: 2 M routes take ~1 s on 2 cores
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }

        assertThat(errors).as("exceptions thrown by routing").isEmpty();
        assertThat(foreign.get()).as("answers that were not a candidate").isZero();
        assertThat(finished).as("routers finished within the time bound").isTrue();
        assertThat(routed.get()).isEqualTo((long) ROUTERS * ROUTES_PER_THREAD);
        assertThat(flips.get()).as("state flips that raced the routers").isGreaterThan(1000);
    }

    private static EndpointState state(Endpoint e) {
        return new EndpointState(e, CircuitBreaker.ofDefaults(e.id()), true);
    }
}
