package dev.haven.spring.boot;

import dev.haven.HavenSession;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Objects;
import org.springframework.core.Ordered;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Read-your-writes across HTTP requests ({@code haven.web.session.enabled=true}): continues the {@link HavenSession}
 * whose token the request carries in {@code haven.web.session.header} ({@code X-Haven-Session}; a new session when
 * absent), makes it the request's session for its whole handling ({@link HavenContext#session()}, attached to every
 * connection of the auto-configured {@code HavenDataSource}), and writes the session's token back on the response,
 * just before the response commits (the first byte of the body, a redirect, an error) or when the handler returns. A
 * client that sends each response's token with its next request reads its own writes in {@code SESSION} reads
 * ({@link HavenConsistency}), whichever instance of the application serves it.
 *
 * <p>A token that is not one Haven wrote is refused with HTTP 400 naming the header and the rule: a read is never
 * routed on a guess. Writes made after the response committed (while streaming the body) are not in the token.
 */
public final class HavenSessionFilter extends OncePerRequestFilter implements Ordered {

    /** Early, so that the session is in place for every filter that reads data, after Spring's error handling ones. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 100;

    private final String header;
    private final boolean enabled;

    /** A filter on {@code header}; one that is not {@code enabled} passes every request through untouched. */
    public HavenSessionFilter(String header, boolean enabled) {
        this.header = Objects.requireNonNull(header, "header");
        this.enabled = enabled;
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        if (!enabled) {
            chain.doFilter(request, response);
            return;
        }
        HavenSession session;
        try {
            session = HavenSession.fromToken(request.getHeader(header));
        } catch (IllegalArgumentException e) {
            response.sendError(HttpServletResponse.SC_BAD_REQUEST, header + " header: " + e.getMessage());
            return;
        }
        TokenWriting wrapped = new TokenWriting(response, session);
        Object previous = HavenContext.enter(session);
        try {
            chain.doFilter(request, wrapped);
        } finally {
            HavenContext.restore(previous);
            wrapped.writeToken();
        }
    }

    /** Sets the token header once, before anything commits the response. */
    private final class TokenWriting extends HttpServletResponseWrapper {
        private final HavenSession session;
        private boolean written;

        TokenWriting(HttpServletResponse response, HavenSession session) {
            super(response);
            this.session = session;
        }

        void writeToken() {
            if (!written) {
                written = true;
                HttpServletResponse r = (HttpServletResponse) getResponse();
                if (!r.isCommitted()) {
                    r.setHeader(header, session.token());
                }
            }
        }

        @Override
        public ServletOutputStream getOutputStream() throws IOException {
            writeToken();
            return super.getOutputStream();
        }

        @Override
        public PrintWriter getWriter() throws IOException {
            writeToken();
            return super.getWriter();
        }

        @Override
        public void flushBuffer() throws IOException {
            writeToken();
            super.flushBuffer();
        }

        @Override
        public void sendError(int sc, String msg) throws IOException {
            writeToken();
            super.sendError(sc, msg);
        }

        @Override
        public void sendError(int sc) throws IOException {
            writeToken();
            super.sendError(sc);
        }

        @Override
        public void sendRedirect(String location) throws IOException {
            writeToken();
            super.sendRedirect(location);
        }
    }
}
