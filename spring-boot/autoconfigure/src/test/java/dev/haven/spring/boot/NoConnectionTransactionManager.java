package dev.haven.spring.boot;

import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.AbstractPlatformTransactionManager;
import org.springframework.transaction.support.DefaultTransactionStatus;

/**
 * A transaction manager that takes no connection when a transaction begins, as JPA with Hibernate's delayed connection
 * acquisition does: the connection is asked for later, by the work, and nobody calls {@code setReadOnly} on it. Only
 * Spring's own read-only flag ({@code TransactionSynchronizationManager}) says what the transaction is.
 */
final class NoConnectionTransactionManager extends AbstractPlatformTransactionManager {

    private static final long serialVersionUID = 1L;

    @Override
    protected Object doGetTransaction() {
        return new Object();
    }

    @Override
    protected void doBegin(Object transaction, TransactionDefinition definition) {
    }

    @Override
    protected void doCommit(DefaultTransactionStatus status) {
    }

    @Override
    protected void doRollback(DefaultTransactionStatus status) {
    }
}
