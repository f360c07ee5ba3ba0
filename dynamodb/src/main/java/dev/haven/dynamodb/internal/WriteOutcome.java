package dev.haven.dynamodb.internal;

import dev.haven.HavenFailure;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Locale;
import javax.net.ssl.SSLHandshakeException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.model.BatchExecuteStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.BatchStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementRequest;

/**
 * What a failed write (one Haven gave up on: not retried) tells the application, in the core failure model. Pure: no
 * I/O, no state.
 *
 * <ul>
 *   <li>{@code null}: the failure is passed through as it is. An answer from DynamoDB ({@link AwsServiceException}: a
 *       4xx says what was wrong, a 5xx is DynamoDB's own word), a Haven verdict already in the model, anything that is
 *       not a transport failure, and every failure of an operation that changes nothing ({@code Describe*},
 *       {@code List*}, {@code Get*}, a {@code SELECT}).</li>
 *   <li>{@link HavenFailure.Kind#UNAVAILABLE}: the failure proves the request never left: the connection was refused
 *       or could not be made (unknown host, no route, connect timeout, TLS handshake).</li>
 *   <li>{@link HavenFailure.Kind#OUTCOME_UNKNOWN}: any other client-side failure of a write: an attempt or call
 *       timeout, a reset or closed connection, an abort. Conservative: when it cannot be shown that nothing was
 *       sent, the write may have been applied.</li>
 * </ul>
 */
public final class WriteOutcome {

    private WriteOutcome() {
    }

    /** The kind to surface for {@code failure} of {@code request}, or {@code null} to pass the failure through. */
    public static HavenFailure.Kind classify(Object request, Throwable failure) {
        if (failure instanceof HavenFailure || failure instanceof AwsServiceException || !(failure instanceof SdkException)) {
            return null;
        }
        if (!mutates(request)) {
            return null;
        }
        return neverSent(failure) ? HavenFailure.Kind.UNAVAILABLE : HavenFailure.Kind.OUTCOME_UNKNOWN;
    }

    /** Whether {@code request} may change data, tables or their settings (anything but a read or a description). */
    static boolean mutates(Object request) {
        if (request instanceof ExecuteStatementRequest s) {
            return !ReadShape.isSelect(s.statement());
        }
        if (request instanceof BatchExecuteStatementRequest b) {
            if (!b.hasStatements() || b.statements().isEmpty()) {
                return true;
            }
            for (BatchStatementRequest s : b.statements()) {
                if (!ReadShape.isSelect(s.statement())) {
                    return true;
                }
            }
            return false;
        }
        String op = request.getClass().getSimpleName();
        return !(op.startsWith("Describe") || op.startsWith("List") || op.startsWith("Get") || op.startsWith("BatchGet")
                || op.startsWith("TransactGet") || op.startsWith("Query") || op.startsWith("Scan")
                || op.startsWith("Search"));
    }

    /** Whether the cause chain shows that no connection carried the request. */
    static boolean neverSent(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 16; depth++) {
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException
                    || t instanceof SSLHandshakeException) {
                return true;
            }
            if (t instanceof SocketTimeoutException && t.getMessage() != null
                    && t.getMessage().toLowerCase(Locale.ROOT).contains("connect timed out")) {
                return true;
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return false;
    }
}
