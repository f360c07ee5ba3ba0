/**
 * The engine API: what a store module (JDBC, Redis, DynamoDB, or one you write) uses from Haven's core to
 * route, monitor and retry. Everything in here decides without I/O, on a state snapshot and an injected
 * {@link dev.haven.Ticker}; the store supplies how to send and how to classify its errors.
 *
 * <ul>
 *   <li>{@link dev.haven.engine.TopologyMonitor} probes the servers through a store's
 *       {@link dev.haven.spi.TopologyProvider}, keeps an immutable {@link dev.haven.engine.TopologyMonitor.Snapshot}
 *       of {@link dev.haven.engine.EndpointState}s and publishes events through an {@link dev.haven.engine.EventBus};
 *       {@link dev.haven.engine.MonitorSettings} configures it. {@link dev.haven.engine.MonitorRegistry} shares one
 *       monitor per cluster per JVM between the data sources and clients on it, reference-counted.</li>
 *   <li>{@link dev.haven.engine.Router} chooses where a read or write goes from the snapshot's
 *       {@link dev.haven.engine.RouteCandidate}s; {@link dev.haven.engine.LagTracker} says how stale a replica is.</li>
 *   <li>{@link dev.haven.engine.Attempts} is the one retry loop: a store maps its errors onto a
 *       {@link dev.haven.engine.Fault} and asks whether the operation may be tried again under its
 *       {@link dev.haven.engine.RetryPolicy} ({@code retry.*} keys and deadline), the shared
 *       {@link dev.haven.engine.RetryBudget} and {@link dev.haven.engine.Backoff}.</li>
 *   <li>{@link dev.haven.engine.HedgePolicy} decides whether and when a read is hedged ({@code hedge.*} keys, hedge
 *       budget); a {@link dev.haven.engine.HedgeRace} per read decides once whether the hedge goes out and which
 *       answer wins.</li>
 *   <li>{@link dev.haven.engine.Durations} and {@link dev.haven.engine.ConfigRules} give every builder the same
 *       validation messages ({@code haven.jdbc.lag-bound must be > 0: was -1s}).</li>
 * </ul>
 *
 * <p>Stability: this package is the contract between core and the store modules of the same Haven version (the
 * {@code bom} keeps them aligned); it may change between minor versions, unlike {@code dev.haven},
 * {@code dev.haven.spi} and {@code dev.haven.event}. {@code dev.haven.internal} is core's own and is used by no
 * other module; an ArchUnit test ({@code LayeringTest} in {@code examples}) enforces that, and that stores know
 * neither each other nor the testkit.
 */
package dev.haven.engine;
