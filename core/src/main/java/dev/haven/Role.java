package dev.haven;

/** What an endpoint does in its cluster right now, as last observed. */
public enum Role {
    /** Accepts writes: the primary. */
    WRITER,
    /** Serves reads only: a replica. */
    READER,
    /** Not (yet) known, e.g. before the first probe answered or while the endpoint is down. */
    UNKNOWN
}
