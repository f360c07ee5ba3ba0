package dev.haven.spring.boot.web;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** A plain Boot web application: the starter on the class path and {@code haven.datasource.*} properties, nothing else. */
@SpringBootApplication
public class OrdersApplication {

    @RestController
    static class Orders {
        private final JdbcTemplate jdbc;

        Orders(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
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
