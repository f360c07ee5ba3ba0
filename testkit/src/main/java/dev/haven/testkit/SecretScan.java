package dev.haven.testkit;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * What a "secrets never leak" test collects and scans: every text a client produced during a run (its
 * {@code toString()}s, events, meter ids) and every exception it threw (the whole stack trace, with every cause and
 * suppressed one), then the log lines of the run; {@link #leaks} names those that contain a secret.
 *
 * <pre>{@code
 * SecretScan scan = new SecretScan("the-password");
 * try (StderrCapture stderr = new StderrCapture()) {
 *     ... scan.text(client); scan.exception(e); ...
 *     log = stderr.lines();
 * }
 * assertThat(scan.leaks(log)).isEmpty();
 * }</pre>
 */
public final class SecretScan {

    private final List<String> secrets;
    private final List<String> texts = new ArrayList<>();
    private int exceptions;

    /** A scan for {@code secrets} (each at least 8 characters, so that a match means something). */
    public SecretScan(String... secrets) {
        for (String s : secrets) {
            if (s == null || s.length() < 8) {
                throw new IllegalArgumentException("a secret to scan for must have at least 8 characters: was " + s);
            }
        }
        this.secrets = List.of(secrets);
    }

    /** Collects {@code String.valueOf(o)}. */
    public synchronized void text(Object o) {
        texts.add(String.valueOf(o));
    }

    /** Collects {@code t}'s stack trace: its message and those of every cause and suppressed exception. */
    public synchronized void exception(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        texts.add(w.toString());
        exceptions++;
    }

    /** Exceptions collected so far. */
    public synchronized int exceptions() {
        return exceptions;
    }

    /** Texts collected so far (exceptions included). */
    public synchronized int texts() {
        return texts.size();
    }

    /** The log lines and collected texts that contain a secret. */
    public synchronized List<String> leaks(List<String> logLines) {
        List<String> out = new ArrayList<>();
        for (String t : logLines) {
            if (containsSecret(t)) {
                out.add(t);
            }
        }
        for (String t : texts) {
            if (containsSecret(t)) {
                out.add(t);
            }
        }
        return out;
    }

    private boolean containsSecret(String text) {
        for (String s : secrets) {
            if (text != null && text.contains(s)) {
                return true;
            }
        }
        return false;
    }
}
