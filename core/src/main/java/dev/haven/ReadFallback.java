package dev.haven;

/** What a read does when no replica qualifies for its consistency ({@code read-fallback}). */
public enum ReadFallback {
    /** It goes to the writer, which has every write (the default). */
    WRITER,
    /** It fails with the store's "unavailable" exception ({@link HavenFailure.Kind#UNAVAILABLE}). */
    FAIL
}
