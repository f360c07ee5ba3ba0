package dev.haven.testkit;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Everything written to {@code System.err} while open, still written through: the ITs log with slf4j-simple, which
 * writes to the current {@code System.err} (its default {@code logFile}), so this counts log lines ("LEVEL logger -
 * message") without a logging back-end of their own.
 */
public final class StderrCapture implements AutoCloseable {

    private final PrintStream original = System.err;
    private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

    public StderrCapture() {
        System.setErr(new PrintStream(new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                synchronized (copy) {
                    copy.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                synchronized (copy) {
                    copy.write(b, off, len);
                }
            }
        }, true));
    }

    /** The lines written so far. */
    public List<String> lines() {
        synchronized (copy) {
            return copy.toString(StandardCharsets.UTF_8).lines().toList();
        }
    }

    /** The lines written so far from {@code index} on (an earlier {@code lines().size()}). */
    public List<String> linesFrom(int index) {
        List<String> all = lines();
        return all.subList(Math.min(index, all.size()), all.size());
    }

    /** Of {@code lines}, those logged at WARN or ERROR by a logger whose name starts with {@code loggerPrefix}. */
    public static List<String> warnings(List<String> lines, String loggerPrefix) {
        return lines.stream().filter(l -> (l.contains(" WARN ") || l.contains(" ERROR ")) && l.contains(" " + loggerPrefix))
                .toList();
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
