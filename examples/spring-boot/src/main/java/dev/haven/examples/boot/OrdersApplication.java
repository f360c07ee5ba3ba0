package dev.haven.examples.boot;

import dev.haven.Consistency;
import dev.haven.HavenSession;
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

/**
 * An orders API on the Haven starter: orders are stored in PostgreSQL ({@code haven.datasource.*}) and cached in Redis
 * ({@code haven.redis.*}); a client that sends back the {@code X-Haven-Session} header reads its own orders at once.
 * A read falls back to the database when the cache cannot answer; a failed write answers 503 (safe to re-send) or
 * 500 (outcome unknown).
 */
@SpringBootApplication
public class OrdersApplication {

    public static void main(String[] args) {
        SpringApplication.run(OrdersApplication.class, args);
    }

    @Service
    public static class Orders {
        private final JdbcTemplate jdbc;
        private final HavenRedisClient redis;

        Orders(JdbcTemplate jdbc, HavenRedisClient redis) {
            this.jdbc = jdbc;
            this.redis = redis;
        }

        /** Stores the order (the writer), then caches it; a cache failure does not fail the order. */
        @Transactional
        public long create(String item) {
            Long id = jdbc.queryForObject("insert into orders(item) values (?) returning id", Long.class, item);
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
    }

    @RestControllerAdvice
    static class Failures {
        @ExceptionHandler(DataAccessException.class)
        ResponseEntity<String> failed(DataAccessException e) {
            return ResponseEntity.status(e instanceof TransientDataAccessException ? HttpStatus.SERVICE_UNAVAILABLE
                    : HttpStatus.INTERNAL_SERVER_ERROR).body(e.getClass().getSimpleName());
        }
    }
}
