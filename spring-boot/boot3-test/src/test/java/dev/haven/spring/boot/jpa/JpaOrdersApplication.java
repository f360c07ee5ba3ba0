package dev.haven.spring.boot.jpa;

import dev.haven.HavenFailure;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.data.repository.query.Param;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * A Boot web application on Spring Data JPA (Hibernate) and the starter: an order is saved through a repository in a
 * {@code @Transactional} service. A failed write answers 503 when Spring says it is transient (re-run it), 500
 * otherwise; the body names the {@code DataAccessException} type and Haven's failure kind.
 */
@SpringBootApplication
@EnableJpaRepositories(considerNestedRepositories = true)
public class JpaOrdersApplication {

    @Entity
    @Table(name = "jpa_orders")
    public static class OrderEntity {
        @Id
        private String id;

        protected OrderEntity() {
        }

        OrderEntity(String id) {
            this.id = id;
        }

        public String getId() {
            return id;
        }
    }

    public interface OrderRepository extends JpaRepository<OrderEntity, String> {
        /** Server time spent inside the caller's transaction. */
        @Query(value = "select cast(pg_sleep(:seconds) as text)", nativeQuery = true)
        String sleep(@Param("seconds") double seconds);
    }

    @Service
    public static class OrderService {
        private final OrderRepository orders;

        OrderService(OrderRepository orders) {
            this.orders = orders;
        }

        /** Saves the order, then holds the transaction open for {@code sleep} seconds (a test kills the writer meanwhile). */
        @Transactional
        public void create(String id, double sleep) {
            orders.saveAndFlush(new OrderEntity(id));
            if (sleep > 0) {
                orders.sleep(sleep); // through the repository: Spring translates what an EntityManager used directly would throw raw
            }
        }

        @Transactional(readOnly = true)
        public long count() {
            return orders.count();
        }
    }

    @RestController
    static class Orders {
        private final OrderService service;

        Orders(OrderService service) {
            this.service = service;
        }

        @PostMapping("/orders")
        String create(@RequestParam("id") String id, @RequestParam(name = "sleep", defaultValue = "0") double sleep) {
            service.create(id, sleep);
            return "created " + id;
        }

        @GetMapping("/orders/count")
        long count() {
            return service.count();
        }
    }

    @RestControllerAdvice
    static class Failures {
        @ExceptionHandler(DataAccessException.class)
        ResponseEntity<String> failed(DataAccessException e) {
            HttpStatus status = e instanceof TransientDataAccessException ? HttpStatus.SERVICE_UNAVAILABLE
                    : HttpStatus.INTERNAL_SERVER_ERROR;
            String kind = HavenFailure.find(e).map(f -> f.kind().name()).orElse("none");
            return ResponseEntity.status(status).body(e.getClass().getSimpleName() + " " + kind);
        }
    }
}
