package dev.haven.spring.boot.web;

import dev.haven.spring.boot.HavenConsistency;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A plain Boot web application: the starter on the class path and {@code haven.*} properties, nothing else. JDBC only:
 * JPA (on the test class path for {@code JpaOrdersApplication}) is left out, under its Boot 3.5 and 4.0 names.
 */
@SpringBootApplication(excludeName = {"org.springframework.boot.autoconfigure.orm.jpa.HibernateJpaAutoConfiguration",
        "org.springframework.boot.autoconfigure.data.jpa.JpaRepositoriesAutoConfiguration",
        "org.springframework.boot.hibernate.autoconfigure.HibernateJpaAutoConfiguration",
        "org.springframework.boot.data.jpa.autoconfigure.DataJpaRepositoriesAutoConfiguration"})
public class OrdersApplication {

    /** Read-only lookups under two consistencies; each answers {@code <rows found> <served by a replica>}. */
    @Service
    static class OrderReads {
        private final JdbcTemplate jdbc;

        OrderReads(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @HavenConsistency("session")
        @Transactional(readOnly = true)
        public String session(String id) {
            return find(id);
        }

        @HavenConsistency("eventual")
        @Transactional(readOnly = true)
        public String eventual(String id) {
            return find(id);
        }

        private String find(String id) {
            return jdbc.queryForObject("select (select count(*) from orders where id = ?) || ' ' || pg_is_in_recovery()",
                    String.class, id);
        }
    }

    @RestController
    static class Orders {
        private final JdbcTemplate jdbc;
        private final OrderReads reads;

        Orders(JdbcTemplate jdbc, OrderReads reads) {
            this.jdbc = jdbc;
            this.reads = reads;
        }

        @GetMapping("/orders/{id}")
        String find(@PathVariable("id") String id, @RequestParam("consistency") String consistency) {
            return consistency.equals("session") ? reads.session(id) : reads.eventual(id);
        }

        /** Inserts an order; {@code sleep} seconds of server time first, so that a test can kill the writer meanwhile. */
        @PostMapping("/orders")
        String create(@RequestParam("id") String id, @RequestParam(name = "sleep", defaultValue = "0") double sleep) {
            jdbc.update("insert into orders(id) select ? from pg_sleep(?)", id, sleep);
            return "created " + id;
        }

        @GetMapping("/orders/count")
        long count() {
            return jdbc.queryForObject("select count(*) from orders", Long.class);
        }
    }
}
