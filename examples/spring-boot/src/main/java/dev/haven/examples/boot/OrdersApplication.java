package dev.haven.examples.boot;

import dev.haven.Consistency;
import dev.haven.HavenFailure;
import dev.haven.HavenSession;
import dev.haven.dynamodb.HavenDynamoDbClient;
import dev.haven.redis.HavenRedisClient;
import dev.haven.redis.HavenRedisConnection;
import dev.haven.spring.boot.HavenConsistency;
import dev.haven.spring.boot.HavenContext;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.GetItemResponse;

/**
 * An orders API on the Haven starter: orders are stored in PostgreSQL ({@code haven.datasource.*}) and cached in Redis
 * ({@code haven.redis.*}), and each order's status is kept in a DynamoDB global table ({@code haven.dynamodb.*}); a
 * client that sends back the {@code X-Haven-Session} header reads its own orders and their status at once, in any
 * region. A read falls back to the database when the cache cannot answer; a failed write answers 503 (nothing was
 * stored: safe to re-send) or 500 (outcome unknown).
 */
@SpringBootApplication
public class OrdersApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }

    @Service
    public static class Orders {
        /** The DynamoDB table of the orders' status: {@code pk} (S) = the order's id. */
        public static final String STATUS = "order-status";

        private final JdbcTemplate jdbc;
        private final HavenRedisClient redis;
        private final HavenDynamoDbClient dynamo;

        Orders(JdbcTemplate jdbc, HavenRedisClient redis, HavenDynamoDbClient dynamo) {
            this.jdbc = jdbc;
            this.redis = redis;
            this.dynamo = dynamo;
        }

        /**
         * Stores the order (the writer) and its status (the DynamoDB home region), then caches it; a status that cannot
         * be stored fails the order (its transaction rolls back), a cache failure does not.
         */
        @Transactional
        public long create(String item) {
            Long id = jdbc.queryForObject("insert into orders(item) values (?) returning id", Long.class, item);
            dynamo.withSession(session()).putItem(b -> b.tableName(STATUS).item(java.util.Map.of(
                    "pk", AttributeValue.fromS(Long.toString(id)), "status", AttributeValue.fromS("placed"))));
            try (HavenRedisConnection c = redis.connect(session())) {
                c.sync().set("order:" + id, item);
            } catch (RuntimeException cacheDown) {
                // the database has it; the next read fills the cache
            }
            return id;
        }

        /** The order's item from the cache, else from a replica that has the client's writes, else null. */
        @HavenConsistency("session")
        @Transactional(readOnly = true)
        public String find(long id) {
            try (HavenRedisConnection c = redis.connect(session())) {
                String cached = c.reads(Consistency.SESSION).get("order:" + id);
                if (cached != null) {
                    return cached;
                }
            } catch (RuntimeException cacheDown) {
                // read through to the database
            }
            return jdbc.query("select item from orders where id = ?", rs -> rs.next() ? rs.getString(1) : null, id);
        }

        /** The order's status from a region known to hold the client's writes (else the home region), or null. */
        public String status(long id) {
            GetItemResponse r = dynamo.withSession(session()).getItem(b -> b.tableName(STATUS)
                    .key(java.util.Map.of("pk", AttributeValue.fromS(Long.toString(id)))));
            return r.hasItem() ? r.item().get("status").s() : null;
        }

        private static HavenSession session() {
            return HavenContext.session().orElseGet(HavenSession::create);
        }
    }

    @RestController
    static class Api {
        private final Orders orders;

        Api(Orders orders) {
            this.orders = orders;
        }

        @PostMapping("/orders")
        long create(@RequestParam("item") String item) {
            return orders.create(item);
        }

        @GetMapping("/orders/{id}")
        ResponseEntity<String> find(@PathVariable("id") long id) {
            String item = orders.find(id);
            return item == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(item);
        }

        @GetMapping("/orders/{id}/status")
        ResponseEntity<String> status(@PathVariable("id") long id) {
            String status = orders.status(id);
            return status == null ? ResponseEntity.notFound().build() : ResponseEntity.ok(status);
        }
    }

    @RestControllerAdvice
    static class Failures {
        @ExceptionHandler(DataAccessException.class)
        ResponseEntity<String> failed(DataAccessException e) {
            return ResponseEntity.status(e instanceof TransientDataAccessException ? HttpStatus.SERVICE_UNAVAILABLE
                    : HttpStatus.INTERNAL_SERVER_ERROR).body(e.getClass().getSimpleName());
        }

        /** Haven's failures of the other stores (Redis, DynamoDB): 500 when the write may have been applied, else 503. */
        @ExceptionHandler(RuntimeException.class)
        ResponseEntity<String> failed(RuntimeException e) {
            boolean unknown = HavenFailure.find(e).map(HavenFailure::mayHaveBeenApplied).orElse(true);
            return ResponseEntity.status(unknown ? HttpStatus.INTERNAL_SERVER_ERROR : HttpStatus.SERVICE_UNAVAILABLE)
                    .body(e.getClass().getSimpleName());
        }
    }
}
