package dev.haven.dynamodb.internal;

import dev.haven.engine.EndpointState;
import dev.haven.engine.TopologyMonitor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The request path's view of the monitor: its published snapshot with the per-region {@link RegionCandidate} views
 * the router reads, cached and rebuilt when the snapshot reference changes. No locks.
 */
final class RegionView {

    /** The monitor's snapshot with the per-region views the router reads. */
    record View(TopologyMonitor.Snapshot snapshot, List<RegionCandidate> candidates, RegionCandidate home,
            Map<String, EndpointState> byRegion) {
    }

    private final TopologyMonitor monitor;
    private final String homeRegion;
    private volatile View view;

    RegionView(TopologyMonitor monitor, String homeRegion) {
        this.monitor = monitor;
        this.homeRegion = homeRegion;
    }

    View current() {
        TopologyMonitor.Snapshot s = monitor.snapshot();
        View v = view;
        if (v != null && v.snapshot == s) {
            return v;
        }
        List<RegionCandidate> cands = new ArrayList<>(s.states().size());
        Map<String, EndpointState> byRegion = new LinkedHashMap<>();
        RegionCandidate home = null;
        for (EndpointState st : s.states()) {
            boolean isHome = st.id().equals(homeRegion);
            RegionCandidate c = new RegionCandidate(st, isHome);
            cands.add(c);
            byRegion.put(st.id(), st);
            if (isHome) {
                home = c;
            }
        }
        v = new View(s, List.copyOf(cands), home, byRegion);
        view = v;
        return v;
    }

    /** The current state of {@code region} ({@code null} for a region the monitor does not know). */
    EndpointState state(String region) {
        return current().byRegion.get(region);
    }
}
