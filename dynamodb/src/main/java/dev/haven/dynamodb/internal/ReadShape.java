package dev.haven.dynamodb.internal;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.ExecuteStatementRequest;
import software.amazon.awssdk.services.dynamodb.model.GetItemRequest;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.ScanRequest;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItemsRequest;

/**
 * What Haven needs to know about one kind of read request: whether the caller asked for a strongly consistent
 * read ({@code ConsistentRead=true} means {@code Consistency.STRONG}), and how to ask for one on a copy.
 *
 * <p>Queries and scans on an index are left alone: global secondary indexes reject {@code ConsistentRead=true},
 * and Haven cannot tell a global from a local index without a DescribeTable.
 */
public interface ReadShape<Q> {

    boolean asksConsistent(Q request);

    /** A copy asking for a strongly consistent read where the operation allows it (or the request itself). */
    Q consistent(Q request);

    ReadShape<GetItemRequest> GET_ITEM = new ReadShape<>() {
        public boolean asksConsistent(GetItemRequest r) {
            return Boolean.TRUE.equals(r.consistentRead());
        }

        public GetItemRequest consistent(GetItemRequest r) {
            return Boolean.TRUE.equals(r.consistentRead()) ? r : r.toBuilder().consistentRead(true).build();
        }
    };

    ReadShape<QueryRequest> QUERY = new ReadShape<>() {
        public boolean asksConsistent(QueryRequest r) {
            return Boolean.TRUE.equals(r.consistentRead());
        }

        public QueryRequest consistent(QueryRequest r) {
            return Boolean.TRUE.equals(r.consistentRead()) || r.indexName() != null ? r : r.toBuilder().consistentRead(true).build();
        }
    };

    ReadShape<ScanRequest> SCAN = new ReadShape<>() {
        public boolean asksConsistent(ScanRequest r) {
            return Boolean.TRUE.equals(r.consistentRead());
        }

        public ScanRequest consistent(ScanRequest r) {
            return Boolean.TRUE.equals(r.consistentRead()) || r.indexName() != null ? r : r.toBuilder().consistentRead(true).build();
        }
    };

    ReadShape<BatchGetItemRequest> BATCH_GET_ITEM = new ReadShape<>() {
        public boolean asksConsistent(BatchGetItemRequest r) {
            for (KeysAndAttributes k : r.requestItems().values()) {
                if (Boolean.TRUE.equals(k.consistentRead())) {
                    return true;
                }
            }
            return false;
        }

        public BatchGetItemRequest consistent(BatchGetItemRequest r) {
            Map<String, KeysAndAttributes> items = new LinkedHashMap<>();
            r.requestItems().forEach((table, k) -> items.put(table, k.toBuilder().consistentRead(true).build()));
            return r.toBuilder().requestItems(items).build();
        }
    };

    /** Transactional reads are serializable within the region that serves them; there is no flag to set. */
    ReadShape<TransactGetItemsRequest> TRANSACT_GET_ITEMS = new ReadShape<>() {
        public boolean asksConsistent(TransactGetItemsRequest r) {
            return false;
        }

        public TransactGetItemsRequest consistent(TransactGetItemsRequest r) {
            return r;
        }
    };

    ReadShape<ExecuteStatementRequest> EXECUTE_STATEMENT = new ReadShape<>() {
        public boolean asksConsistent(ExecuteStatementRequest r) {
            return Boolean.TRUE.equals(r.consistentRead());
        }

        public ExecuteStatementRequest consistent(ExecuteStatementRequest r) {
            return Boolean.TRUE.equals(r.consistentRead()) ? r : r.toBuilder().consistentRead(true).build();
        }
    };

    /** Whether a PartiQL statement only reads (a SELECT): only those are routed like reads. */
    static boolean isSelect(String statement) {
        if (statement == null) {
            return false;
        }
        String s = statement.stripLeading();
        return s.length() >= 6 && s.substring(0, 6).toUpperCase(Locale.ROOT).equals("SELECT")
                && (s.length() == 6 || !Character.isLetterOrDigit(s.charAt(6)));
    }
}
